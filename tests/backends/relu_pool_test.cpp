// ReLU and pooling: exact results (they only select or average values), max-pool ties, odd
// sizes, padding, and inference forwards that equal training forwards.
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace thermo::conformance {
namespace {

constexpr double kAverageTolerance = 1e-6;  // float32 sums of kernel² terms

TEST_CASE("relu: forward and backward are exact") {
  Random random(41);
  const Shape4 shape{3, 21, 5, 3};
  auto src = random.normal(static_cast<std::size_t>(shape.count()));
  src[0] = 0.0;  // the kink itself: ReLU'(0) = 0, as in PyTorch
  const auto diff_dst = random.normal(src.size());
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    auto op = backend.make_relu();
    const Tensor src_tensor = upload_tensor(backend, shape, src);
    const Tensor diff_dst_tensor = upload_tensor(backend, shape, diff_dst);
    Tensor dst = backend.create_tensor(shape);
    Tensor diff_src = backend.create_tensor(shape);
    op->forward(src_tensor, dst);
    op->backward(diff_dst_tensor, diff_src);
    CHECK(download_tensor(backend, dst) == reference::relu_forward(src));
    CHECK(download_tensor(backend, diff_src) == reference::relu_backward(diff_dst, src));
  }
}

struct PoolCase {
  Shape4 src;
  PoolSpec spec;
};

const PoolCase kPoolCases[] = {
    {{2, 3, 8, 8}, {PoolKind::max, 2, 2, 0}},
    {{3, 5, 5, 7}, {PoolKind::max, 2, 2, 0}},   // odd sizes: the last row / column is dropped
    {{2, 20, 4, 4}, {PoolKind::max, 4, 4, 0}},  // the ConvNet's final 4×4 pooling
    {{1, 17, 7, 7}, {PoolKind::max, 3, 2, 1}},  // padding
    {{2, 20, 4, 4}, {PoolKind::average, 4, 4, 0}},
    {{3, 6, 6, 6}, {PoolKind::average, 2, 2, 0}},
    {{2, 9, 5, 5}, {PoolKind::average, 3, 1, 1}},  // padding counted in the average
};

TEST_CASE("pooling: the float64 reference backward matches central finite differences") {
  Random random(42);
  for (const auto& test : kPoolCases) {
    INFO("src " << to_string(test.src) << " kernel " << test.spec.kernel);
    const Shape4 small{1, 2, test.src.h, test.src.w};
    const auto src = random.uniform(static_cast<std::size_t>(small.count()), -1.0, 1.0);  // distinct values
    const auto projection = random.normal(static_cast<std::size_t>(test.spec.output_shape(small).count()));
    const auto numeric = numeric_gradient(
        [&](const std::vector<double>& x) {
          return weighted_sum(reference::pool_forward(x, small, test.spec), projection);
        },
        src, 1e-7);
    check_close(reference::pool_backward(projection, src, small, test.spec), numeric, 1e-6,
                "reference backward vs finite differences");
  }
}

TEST_CASE("pooling: forward (training and inference) and backward match the float64 reference") {
  Random random(43);
  for (const auto& test : kPoolCases) {
    const Shape4 dst_shape = test.spec.output_shape(test.src);
    const auto src = random.uniform(static_cast<std::size_t>(test.src.count()), -2.0, 2.0);
    const auto diff_dst = random.normal(static_cast<std::size_t>(dst_shape.count()));
    const auto expected_dst = reference::pool_forward(src, test.src, test.spec);
    const auto expected_diff_src = reference::pool_backward(diff_dst, src, test.src, test.spec);
    for (const auto& named : backends()) {
      INFO("backend " << named.name << ", src " << to_string(test.src) << ", "
                      << std::string(test.spec.kind == PoolKind::max ? "max" : "average") << " k" << test.spec.kernel
                      << " s" << test.spec.stride << " p" << test.spec.padding);
      Backend& backend = *named.backend;
      auto op = backend.make_pool(test.spec);
      const Tensor src_tensor = upload_tensor(backend, test.src, src);
      const Tensor diff_dst_tensor = upload_tensor(backend, dst_shape, diff_dst);
      Tensor dst = backend.create_tensor(dst_shape);
      Tensor inference_dst = backend.create_tensor(dst_shape);
      Tensor diff_src = backend.create_tensor(test.src);
      op->forward(src_tensor, dst, true);
      CHECK(dst.shape() == dst_shape);
      op->forward(src_tensor, inference_dst, false);
      const double tolerance = test.spec.kind == PoolKind::max ? 0.0 : kAverageTolerance;
      check_close(download_tensor(backend, dst), expected_dst, tolerance, "training forward");
      check_close(download_tensor(backend, inference_dst), expected_dst, tolerance, "inference forward");
      op->backward(diff_dst_tensor, diff_src);
      check_close(download_tensor(backend, diff_src), expected_diff_src, kAverageTolerance, "backward");
    }
  }
}

// With ties, which maximum receives the gradient is the backend's choice; it must be one of
// them, and the whole gradient of the window must go there.
TEST_CASE("max pooling with ties: exact forward, each window's gradient on one of its maxima") {
  Random random(44);
  for (const std::int64_t kernel : {2, 4}) {
    const Shape4 shape{2, 19, 8, 8};
    const PoolSpec spec{PoolKind::max, kernel, kernel, 0};
    const Shape4 dst_shape = spec.output_shape(shape);
    std::vector<double> src(static_cast<std::size_t>(shape.count()));
    std::uniform_int_distribution<int> level(0, 2);
    for (auto& value : src) value = level(random.engine());
    src[0] = src[1] = src[8] = src[9] = 3.0;  // one window entirely tied
    const auto diff_dst = random.uniform(static_cast<std::size_t>(dst_shape.count()), 0.5, 1.5);
    const auto expected_dst = reference::pool_forward(src, shape, spec);
    for (const auto& named : backends()) {
      INFO("backend " << named.name << ", kernel " << kernel);
      Backend& backend = *named.backend;
      auto op = backend.make_pool(spec);
      const Tensor src_tensor = upload_tensor(backend, shape, src);
      const Tensor diff_dst_tensor = upload_tensor(backend, dst_shape, diff_dst);
      Tensor dst = backend.create_tensor(dst_shape);
      Tensor diff_src = backend.create_tensor(shape);
      op->forward(src_tensor, dst, true);
      CHECK(download_tensor(backend, dst) == expected_dst);
      op->backward(diff_dst_tensor, diff_src);
      const auto got = download_tensor(backend, diff_src);
      int bad_windows = 0;
      for (std::int64_t n = 0; n < shape.n; ++n) {
        for (std::int64_t c = 0; c < shape.c; ++c) {
          for (std::int64_t y = 0; y < dst_shape.h; ++y) {
            for (std::int64_t x = 0; x < dst_shape.w; ++x) {
              const auto out = static_cast<std::size_t>(((n * shape.c + c) * dst_shape.h + y) * dst_shape.w + x);
              int receivers = 0;
              bool on_maximum = true;
              for (std::int64_t ky = 0; ky < kernel; ++ky) {
                for (std::int64_t kx = 0; kx < kernel; ++kx) {
                  const auto in = static_cast<std::size_t>(((n * shape.c + c) * shape.h + y * kernel + ky) * shape.w +
                                                           x * kernel + kx);
                  if (got[in] == 0.0) continue;
                  ++receivers;
                  if (got[in] != to_float(diff_dst[out]) || src[in] != expected_dst[out]) on_maximum = false;
                }
              }
              if (receivers != 1 || !on_maximum) ++bad_windows;
            }
          }
        }
      }
      CHECK_MESSAGE(bad_windows == 0, bad_windows << " windows did not pass their whole gradient to one maximum");
    }
  }
}

}  // namespace
}  // namespace thermo::conformance
