// Batch norm (PyTorch BatchNorm2d(affine=False)): training output with batch statistics,
// running statistics after several forwards (unbiased variance, momentum), inference with the
// running statistics, backward through the batch statistics, fused ReLU vs BN then ReLU, and
// accurate statistics of inputs whose mean is large against their spread (post-ReLU activations),
// in every layout the backend uses; a fused max pooling against BN, ReLU, pooling.
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

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

TEST_CASE("batch norm: every backend supports a plain batch norm (the fusions are its choice)") {
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    CHECK(named.backend->supports(BatchNormSpec{8, 1e-5, 0.1, false}));
    BatchNormSpec relu{8, 1e-5, 0.1, true};
    BatchNormSpec pool = relu;
    pool.fused_max_pool = 2;
    MESSAGE(named.name << " fuses: relu " << named.backend->supports(relu) << ", relu + max pool "
                       << named.backend->supports(pool));
  }
}

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
        if (!backend.supports(spec)) continue;  // the graph would not ask for this fusion
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
    if (!backend.supports({shape.c, 1e-5, 0.1, true})) {
      MESSAGE("backend " << named.name << " does not fuse ReLU into batch norm");
      continue;
    }
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

// The input laid out as the backend lays out a convolution's output of this many channels
// (blocked, channels-last, ...): an identity 1×1 convolution copies every value exactly.
Tensor in_convolution_layout(Backend& backend, const Tensor& src) {
  const auto channels = src.shape().c;
  std::vector<double> identity(static_cast<std::size_t>(channels * channels), 0.0);
  for (std::int64_t c = 0; c < channels; ++c) identity[static_cast<std::size_t>(c * channels + c)] = 1.0;
  const auto weight = upload_vector(backend, identity, DType::f32);
  auto convolution = backend.make_conv2d({channels, channels, 1, 1, 0});
  Tensor dst = backend.create_tensor(src.shape());
  convolution->forward(src, weight->view(), dst);
  return dst;
}

// Inputs whose mean is large against their spread, where float32 sums of x² lose the variance
// (E[x²] − E[x]² cancels): channel c has mean 5 + c/4 and spread s·(1 + (c mod 3)/2), or, with
// s = 0, the input is max(0, N(0, 1)) like the post-ReLU input of ResNet-18's shortcut batch norm.
std::vector<double> offset_values(Random& random, const Shape4& shape, double spread) {
  auto values = random.normal(static_cast<std::size_t>(shape.count()));
  const auto plane = static_cast<std::size_t>(shape.h * shape.w);
  for (std::size_t index = 0; index < values.size(); ++index) {
    const auto channel = static_cast<double>((index / plane) % static_cast<std::size_t>(shape.c));
    const double sigma = spread * (1.0 + 0.5 * std::fmod(channel, 3.0));
    values[index] =
        spread > 0.0 ? to_float(5.0 + 0.25 * channel + sigma * values[index]) : std::max(values[index], 0.0);
  }
  return values;
}

TEST_CASE("batch norm: statistics of inputs with a large mean are accurate in every layout") {
  // Accurate statistics leave float32 rounding only: ~1e-7 (measured); oneDNN 2.6's float32
  // statistics were off by up to 4e-4 in the output (spread 0.01) and 3e-7 in the mean.
  constexpr double kOutputTolerance = 2e-6;
  constexpr double kStatisticsTolerance = 2e-7;
  const Shape4 shapes[] = {{16, 8, 9, 9},  {8, 16, 12, 12},  {4, 40, 5, 5}, {64, 24, 4, 4},
                           {12, 32, 1, 1}, {32, 16, 32, 32}, {32, 16, 8, 8}};
  Random random(34);
  for (const auto& shape : shapes) {
    const auto channels = static_cast<std::size_t>(shape.c);
    const double count = static_cast<double>(shape.n * shape.h * shape.w);
    for (const double spread : {0.1, 0.01, 0.0}) {
      const auto src = offset_values(random, shape, spread);
      const auto diff_dst = random.normal(src.size());
      const auto statistics = reference::batch_statistics(src, shape);
      std::vector<double> unbiased(channels);
      for (std::size_t c = 0; c < channels; ++c) unbiased[c] = statistics.variance[c] * count / (count - 1.0);
      for (const bool fuse : {false, true}) {
        const auto expected_dst =
            reference::batch_norm_forward(src, shape, statistics.mean, statistics.variance, 1e-5, fuse);
        const auto expected_diff_src = reference::batch_norm_backward(diff_dst, src, shape, 1e-5, fuse);
        for (const auto& named : backends()) {
          for (const bool convolution_layout : {false, true}) {
            const std::string input = spread > 0.0 ? "mean 5, spread " + std::to_string(spread) : "post-ReLU";
            const std::string layout = convolution_layout ? "a convolution's output layout" : "plain NCHW";
            INFO("backend " << named.name << ", shape " << to_string(shape) << ", " << input << ", fuse_relu " << fuse
                            << ", " << layout);
            Backend& backend = *named.backend;
            if (!backend.supports({shape.c, 1e-5, 1.0, fuse})) continue;
            // momentum 1: the running statistics are the batch mean and unbiased variance.
            auto op = backend.make_batch_norm({shape.c, 1e-5, 1.0, fuse});
            auto mean = upload_vector(backend, std::vector<double>(channels, 0.0), DType::f32);
            auto var = upload_vector(backend, std::vector<double>(channels, 1.0), DType::f32);
            Tensor src_tensor = upload_tensor(backend, shape, src);
            if (convolution_layout) src_tensor = in_convolution_layout(backend, src_tensor);
            Tensor dst = backend.create_tensor(shape);
            op->forward_training(src_tensor, dst, mean->view(), var->view());
            check_close(download_vector(backend, mean->view()), statistics.mean, kStatisticsTolerance,
                        "running mean = batch mean");
            check_close(download_vector(backend, var->view()), unbiased, kStatisticsTolerance,
                        "running var = unbiased batch var");
            check_close(download_tensor(backend, dst), expected_dst, kOutputTolerance, "training forward");
            Tensor diff_dst_tensor = upload_tensor(backend, shape, diff_dst);
            if (convolution_layout) diff_dst_tensor = in_convolution_layout(backend, diff_dst_tensor);
            Tensor diff_src = backend.create_tensor(shape);
            op->backward(diff_dst_tensor, diff_src);
            check_close(download_tensor(backend, diff_src), expected_diff_src, kOutputTolerance, "backward");
            // Inference with the (float32) running statistics kept, which are the batch's.
            Tensor inference_dst = backend.create_tensor(shape);
            op->forward_inference(src_tensor, inference_dst, mean->view(), var->view());
            check_close(download_tensor(backend, inference_dst),
                        reference::batch_norm_forward(src, shape, download_vector(backend, mean->view()),
                                                      download_vector(backend, var->view()), 1e-5, fuse),
                        kOutputTolerance, "inference forward");
          }
        }
      }
    }
  }
}

TEST_CASE("batch norm: a fused max pooling equals batch norm, ReLU, then max pooling, in every layout") {
  // shape, window: even sizes, sizes that leave rows and columns outside every window, a window
  // of 4, a blocked layout with a partial block.
  struct PoolCase {
    Shape4 shape;
    std::int64_t window;
  };
  const PoolCase cases[] = {{{4, 16, 6, 6}, 2}, {{3, 8, 5, 7}, 2}, {{2, 32, 8, 8}, 4}, {{3, 40, 4, 4}, 2}};
  Random random(35);
  for (const auto& pool_case : cases) {
    // Not a structured binding: clang 14 cannot capture one in INFO's lambda.
    const Shape4& shape = pool_case.shape;
    const std::int64_t window = pool_case.window;
    const PoolSpec pool{PoolKind::max, window, window, 0};
    const Shape4 pooled = pool.output_shape(shape);
    const auto channels = static_cast<std::size_t>(shape.c);
    const auto src = random.normal(static_cast<std::size_t>(shape.count()));
    const auto diff_pooled = random.normal(static_cast<std::size_t>(pooled.count()));
    const auto statistics = reference::batch_statistics(src, shape);
    for (const bool relu : {true, false}) {
      const auto normalised = reference::batch_norm_forward(src, shape, statistics.mean, statistics.variance, 1e-5, relu);
      const auto expected_dst = reference::pool_forward(normalised, shape, pool);
      const auto expected_diff_src = reference::batch_norm_backward(
          reference::pool_backward(diff_pooled, normalised, shape, pool), src, shape, 1e-5, relu);
      for (const auto& named : backends()) {
        for (const bool convolution_layout : {false, true}) {
          INFO("backend " << named.name << ", shape " << to_string(shape) << ", window " << window << ", relu "
                          << relu << (convolution_layout ? ", a convolution's output layout" : ", plain NCHW"));
          Backend& backend = *named.backend;
          BatchNormSpec spec{shape.c, 1e-5, 1.0, relu};
          spec.fused_max_pool = window;
          if (!backend.supports(spec)) {
            MESSAGE("backend " << named.name << " does not fuse max pooling into batch norm");
            continue;
          }
          auto op = backend.make_batch_norm(spec);
          auto mean = upload_vector(backend, std::vector<double>(channels, 0.0), DType::f32);
          auto var = upload_vector(backend, std::vector<double>(channels, 1.0), DType::f32);
          Tensor src_tensor = upload_tensor(backend, shape, src);
          if (convolution_layout) src_tensor = in_convolution_layout(backend, src_tensor);
          Tensor dst = backend.create_tensor(shape);
          op->forward_training(src_tensor, dst, mean->view(), var->view());
          REQUIRE(dst.shape() == pooled);
          check_close(download_tensor(backend, dst), expected_dst, 1e-5, "training forward");
          check_close(download_vector(backend, mean->view()), statistics.mean, 1e-6, "running mean = batch mean");
          Tensor diff_tensor = upload_tensor(backend, pooled, diff_pooled);
          if (convolution_layout) diff_tensor = in_convolution_layout(backend, diff_tensor);
          Tensor diff_src = backend.create_tensor(shape);
          op->backward(diff_tensor, diff_src);
          check_close(download_tensor(backend, diff_src), expected_diff_src, 1e-5, "backward");
          // Inference: the same pooling of the normalisation with the running statistics.
          Tensor inference_dst = backend.create_tensor(pooled);
          op->forward_inference(src_tensor, inference_dst, mean->view(), var->view());
          const auto kept = reference::batch_norm_forward(src, shape, download_vector(backend, mean->view()),
                                                          download_vector(backend, var->view()), 1e-5, relu);
          check_close(download_tensor(backend, inference_dst), reference::pool_forward(kept, shape, pool), 1e-5,
                      "inference forward");
        }
      }
    }
  }
}

}  // namespace
}  // namespace thermo::conformance
