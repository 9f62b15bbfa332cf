// Batch norm (PyTorch BatchNorm2d(affine=False)): training output with batch statistics,
// running statistics after several forwards (unbiased variance, momentum), inference with the
// running statistics, backward through the batch statistics, fused ReLU vs BN then ReLU.
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

namespace thermo::conformance {
namespace {

constexpr double kForwardTolerance = 1e-4;
constexpr double kBackwardTolerance = 1e-4;
constexpr double kRunningTolerance = 1e-5;  // float32 running statistics, a few updates

struct NormCase {
  Shape4 shape;
  double momentum;
};

const NormCase kCases[] = {
    {{3, 19, 5, 4}, 0.1}, {{1, 16, 3, 3}, 0.1},  // batch 1: statistics over H·W only
    {{4, 40, 2, 2}, 0.3},                        // a partial block of 16 channels
    {{5, 8, 1, 1}, 0.1},                         // 1×1 spatial: statistics over the batch only
    {{2, 64, 4, 4}, 0.1},
};

TEST_CASE("batch norm: the float64 reference backward matches central finite differences") {
  Random random(31);
  const Shape4 shape{3, 2, 3, 2};
  for (const bool fuse : {false, true}) {
    INFO("fuse_relu " << fuse);
    const auto src = random.normal(static_cast<std::size_t>(shape.count()));
    const auto projection = random.normal(src.size());
    const auto numeric = numeric_gradient(
        [&](const std::vector<double>& x) {
          const auto statistics = reference::batch_statistics(x, shape);
          return weighted_sum(reference::batch_norm_forward(x, shape, statistics.mean, statistics.variance, 1e-5, fuse),
                              projection);
        },
        src, 1e-6);
    check_close(reference::batch_norm_backward(projection, src, shape, 1e-5, fuse), numeric, 1e-6,
                "reference backward vs finite differences");
  }
}

TEST_CASE("batch norm: training, running statistics, inference and backward match the float64 reference") {
  Random random(32);
  for (const auto& test : kCases) {
    const Shape4& shape = test.shape;
    const auto channels = static_cast<std::size_t>(shape.c);
    for (const bool fuse : {false, true}) {
      const BatchNormSpec spec{shape.c, 1e-5, test.momentum, fuse};
      // Three training batches with different statistics, then one evaluation batch.
      std::vector<std::vector<double>> batches;
      for (int step = 0; step < 3; ++step) {
        auto values = random.normal(static_cast<std::size_t>(shape.count()), 1.0 + step);
        for (auto& value : values) value = to_float(value + 0.5 * step);
        batches.push_back(values);
      }
      const auto evaluation = random.normal(static_cast<std::size_t>(shape.count()), 2.0);
      const auto diff_dst = random.normal(static_cast<std::size_t>(shape.count()));
      std::vector<double> running_mean(channels, 0.0);
      std::vector<double> running_var(channels, 1.0);
      for (const auto& batch : batches)
        reference::update_running_statistics(batch, shape, test.momentum, running_mean, running_var);
      const auto last = reference::batch_statistics(batches.back(), shape);
      const auto expected_dst =
          reference::batch_norm_forward(batches.back(), shape, last.mean, last.variance, spec.eps, fuse);
      const auto expected_diff_src = reference::batch_norm_backward(diff_dst, batches.back(), shape, spec.eps, fuse);

      for (const auto& named : backends()) {
        INFO("backend " << named.name << ", shape " << to_string(shape) << ", fuse_relu " << fuse);
        Backend& backend = *named.backend;
        auto op = backend.make_batch_norm(spec);
        auto mean = upload_vector(backend, std::vector<double>(channels, 0.0), DType::f32);
        auto var = upload_vector(backend, std::vector<double>(channels, 1.0), DType::f32);
        std::vector<Tensor> inputs;
        Tensor dst = backend.create_tensor(shape);
        for (const auto& batch : batches) {
          inputs.push_back(upload_tensor(backend, shape, batch));
          op->forward_training(inputs.back(), dst, mean->view(), var->view());
        }
        check_close(download_tensor(backend, dst), expected_dst, kForwardTolerance, "training forward");
        check_close(download_vector(backend, mean->view()), running_mean, kRunningTolerance, "running mean");
        check_close(download_vector(backend, var->view()), running_var, kRunningTolerance, "running variance");

        const Tensor diff_dst_tensor = upload_tensor(backend, shape, diff_dst);
        Tensor diff_src = backend.create_tensor(shape);
        op->backward(diff_dst_tensor, diff_src);
        check_close(download_tensor(backend, diff_src), expected_diff_src, kBackwardTolerance, "backward");

        // Inference uses the running statistics the backend kept (and does not change them).
        const auto kept_mean = download_vector(backend, mean->view());
        const auto kept_var = download_vector(backend, var->view());
        const Tensor evaluation_tensor = upload_tensor(backend, shape, evaluation);
        Tensor inference_dst = backend.create_tensor(shape);
        op->forward_inference(evaluation_tensor, inference_dst, mean->view(), var->view());
        check_close(download_tensor(backend, inference_dst),
                    reference::batch_norm_forward(evaluation, shape, kept_mean, kept_var, spec.eps, fuse),
                    kForwardTolerance, "inference forward");
        CHECK(download_vector(backend, mean->view()) == kept_mean);
        CHECK(download_vector(backend, var->view()) == kept_var);
        // Backward still refers to the last training forward.
        op->backward(diff_dst_tensor, diff_src);
        check_close(download_tensor(backend, diff_src), expected_diff_src, kBackwardTolerance,
                    "backward after an inference forward");
      }
    }
  }
}

TEST_CASE("batch norm: fused ReLU equals batch norm followed by ReLU") {
  Random random(33);
  const Shape4 shape{4, 24, 6, 6};
  const auto src = random.normal(static_cast<std::size_t>(shape.count()));
  const auto diff_dst = random.normal(src.size());
  const auto channels = static_cast<std::size_t>(shape.c);
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    auto fused = backend.make_batch_norm({shape.c, 1e-5, 0.1, true});
    auto plain = backend.make_batch_norm({shape.c, 1e-5, 0.1, false});
    auto relu = backend.make_relu();
    auto mean_a = upload_vector(backend, std::vector<double>(channels, 0.0), DType::f32);
    auto var_a = upload_vector(backend, std::vector<double>(channels, 1.0), DType::f32);
    auto mean_b = upload_vector(backend, std::vector<double>(channels, 0.0), DType::f32);
    auto var_b = upload_vector(backend, std::vector<double>(channels, 1.0), DType::f32);
    const Tensor src_tensor = upload_tensor(backend, shape, src);
    const Tensor diff_dst_tensor = upload_tensor(backend, shape, diff_dst);

    Tensor fused_dst = backend.create_tensor(shape);
    Tensor fused_diff = backend.create_tensor(shape);
    fused->forward_training(src_tensor, fused_dst, mean_a->view(), var_a->view());
    fused->backward(diff_dst_tensor, fused_diff);

    Tensor normalised = backend.create_tensor(shape);
    Tensor plain_dst = backend.create_tensor(shape);
    Tensor relu_diff = backend.create_tensor(shape);
    Tensor plain_diff = backend.create_tensor(shape);
    plain->forward_training(src_tensor, normalised, mean_b->view(), var_b->view());
    relu->forward(normalised, plain_dst);
    relu->backward(diff_dst_tensor, relu_diff);
    plain->backward(relu_diff, plain_diff);

    check_close(download_tensor(backend, fused_dst), download_tensor(backend, plain_dst), 1e-6, "forward");
    check_close(download_tensor(backend, fused_diff), download_tensor(backend, plain_diff), 1e-5, "backward");
    check_close(download_vector(backend, mean_a->view()), download_vector(backend, mean_b->view()), 1e-6,
                "running mean");
    check_close(download_vector(backend, var_a->view()), download_vector(backend, var_b->view()), 1e-6,
                "running variance");
  }
}

}  // namespace
}  // namespace thermo::conformance
