// Convolution: forward, backward data and backward weights against the float64 reference, on
// odd shapes (batch 1 and 3, channel counts that are not multiples of 8 or 16, strides 2, 1×1).
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace thermo::conformance {
namespace {

// Float32 sums of up to a few hundred terms against float64: relative 1e-4 of the typical size.
constexpr double kConvTolerance = 1e-4;

struct ConvCase {
  Shape4 src;
  Conv2dSpec spec;
};

const ConvCase kCases[] = {
    {{3, 5, 7, 6}, {5, 11, 3, 1, 1}},    // odd everything
    {{1, 3, 8, 8}, {3, 16, 3, 1, 1}},    // the first layer of the ConvNet, batch 1
    {{2, 17, 5, 5}, {17, 20, 1, 2, 0}},  // a ResNet shortcut: 1×1, stride 2, odd size
    {{2, 16, 9, 9}, {16, 32, 3, 2, 1}},  // stride 2 with padding
    {{4, 24, 6, 6}, {24, 40, 3, 1, 1}},  // a last partial block of 8 / 16 channels
    {{2, 8, 4, 4}, {8, 16, 3, 1, 1}},    // ConvNet(8) widths
    {{2, 3, 5, 5}, {3, 8, 3, 1, 1}},     // ConvNet(8)'s first layer (cpu: NCHW in, nChw8c out)
    {{32, 3, 32, 32}, {3, 8, 3, 1, 1}},  // the same at batch 32
    // ResNet-18(4) at batch 32, where oneDNN picks other kernels than at small batches
    {{32, 3, 32, 32}, {3, 4, 3, 1, 1}},
    {{32, 4, 32, 32}, {4, 8, 3, 2, 1}},
    {{32, 4, 32, 32}, {4, 8, 1, 2, 0}},
    {{17, 4, 32, 32}, {4, 8, 1, 2, 0}},  // oneDNN 6035: 1×1 stride-2 backward weights overflowed here
    {{32, 8, 16, 16}, {8, 8, 3, 1, 1}},
    {{32, 16, 8, 8}, {16, 32, 3, 2, 1}},
    {{32, 16, 8, 8}, {16, 16, 3, 1, 1}},
    {{32, 32, 4, 4}, {32, 32, 3, 1, 1}},
};

TEST_CASE("conv2d: the float64 reference matches central finite differences") {
  Random random(21);
  const Shape4 shape{2, 3, 5, 4};
  for (const Conv2dSpec spec : {Conv2dSpec{3, 4, 3, 1, 1}, Conv2dSpec{3, 2, 3, 2, 1}, Conv2dSpec{3, 5, 1, 2, 0}}) {
    INFO("kernel " << spec.kernel << " stride " << spec.stride);
    const auto src = random.normal(static_cast<std::size_t>(shape.count()));
    const auto weight = random.normal(static_cast<std::size_t>(spec.weight_count()));
    const auto projection = random.normal(static_cast<std::size_t>(spec.output_shape(shape).count()));
    const auto numeric_data = numeric_gradient(
        [&](const std::vector<double>& x) {
          return weighted_sum(reference::conv2d_forward(x, shape, weight, spec), projection);
        },
        src);
    check_close(reference::conv2d_backward_data(projection, shape, weight, spec), numeric_data, 1e-7,
                "reference backward data vs finite differences");
    const auto numeric_weights = numeric_gradient(
        [&](const std::vector<double>& w) {
          return weighted_sum(reference::conv2d_forward(src, shape, w, spec), projection);
        },
        weight);
    check_close(reference::conv2d_backward_weights(src, shape, projection, spec), numeric_weights, 1e-7,
                "reference backward weights vs finite differences");
  }
}

TEST_CASE("conv2d: forward, backward data and backward weights match the float64 reference") {
  Random random(22);
  for (const auto& test : kCases) {
    const Shape4 dst_shape = test.spec.output_shape(test.src);
    const double bound =
        1.0 / std::sqrt(static_cast<double>(test.spec.in_channels * test.spec.kernel * test.spec.kernel));
    const auto src = random.normal(static_cast<std::size_t>(test.src.count()));
    const auto weight = random.uniform(static_cast<std::size_t>(test.spec.weight_count()), -bound, bound);
    const auto diff_dst = random.normal(static_cast<std::size_t>(dst_shape.count()));
    const auto expected_dst = reference::conv2d_forward(src, test.src, weight, test.spec);
    const auto expected_diff_src = reference::conv2d_backward_data(diff_dst, test.src, weight, test.spec);
    const auto expected_diff_weight = reference::conv2d_backward_weights(src, test.src, diff_dst, test.spec);
    for (const auto& named : backends()) {
      INFO("backend " << named.name << ", src " << to_string(test.src) << ", " << test.spec.in_channels << "->"
                      << test.spec.out_channels << " k" << test.spec.kernel << " s" << test.spec.stride << " p"
                      << test.spec.padding);
      Backend& backend = *named.backend;
      auto op = backend.make_conv2d(test.spec);
      const auto weight_buffer = upload_vector(backend, weight, DType::f32);
      auto diff_weight = backend.allocate(weight.size(), DType::f32);
      backend.fill(diff_weight->view(), 7.0);  // backward_weights overwrites
      const Tensor src_tensor = upload_tensor(backend, test.src, src);
      const Tensor diff_dst_tensor = upload_tensor(backend, dst_shape, diff_dst);
      Tensor dst = backend.create_tensor(dst_shape);
      Tensor diff_src = backend.create_tensor(test.src);
      for (int repeat = 0; repeat < 2; ++repeat) {  // the second pass reuses the cached primitives
        op->forward(src_tensor, weight_buffer->view(), dst);
        CHECK(dst.shape() == dst_shape);
        check_close(download_tensor(backend, dst), expected_dst, kConvTolerance, "forward");
        op->backward_data(diff_dst_tensor, weight_buffer->view(), diff_src);
        CHECK(diff_src.shape() == test.src);
        check_close(download_tensor(backend, diff_src), expected_diff_src, kConvTolerance, "backward data");
        op->backward_weights(src_tensor, diff_dst_tensor, diff_weight->view());
        check_close(download_vector(backend, diff_weight->view()), expected_diff_weight, kConvTolerance,
                    "backward weights");
      }
    }
  }
}

TEST_CASE("conv2d: one op object serves several batch sizes") {
  Random random(23);
  const Conv2dSpec spec{6, 10, 3, 1, 1};
  const auto weight = random.uniform(static_cast<std::size_t>(spec.weight_count()), -0.3, 0.3);
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    auto op = backend.make_conv2d(spec);
    const auto weight_buffer = upload_vector(backend, weight, DType::f32);
    for (const std::int64_t batch : {4, 1, 3, 4}) {
      const Shape4 shape{batch, 6, 5, 5};
      const auto src = random.normal(static_cast<std::size_t>(shape.count()));
      const Tensor src_tensor = upload_tensor(backend, shape, src);
      Tensor dst = backend.create_tensor(spec.output_shape(shape));
      op->forward(src_tensor, weight_buffer->view(), dst);
      CHECK(dst.shape() == spec.output_shape(shape));
      check_close(download_tensor(backend, dst), reference::conv2d_forward(src, shape, weight, spec), kConvTolerance,
                  "forward, batch " + std::to_string(batch));
    }
  }
}

}  // namespace
}  // namespace thermo::conformance
