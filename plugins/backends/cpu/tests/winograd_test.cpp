// The `winograd` setting: Winograd convolutions agree with the float64 reference within the
// conformance suite's convolution tolerance, and really are another algorithm.
#include "cpu_backend.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

namespace thermo::cpu {
namespace {

std::vector<double> random_values(std::mt19937_64& engine, std::size_t count, double bound) {
  std::uniform_real_distribution<float> distribution(static_cast<float>(-bound), static_cast<float>(bound));
  std::vector<double> values(count);
  for (auto& value : values) value = static_cast<double>(distribution(engine));
  return values;
}

std::vector<double> read(Backend& backend, const Tensor& tensor) {
  std::vector<float> host(static_cast<std::size_t>(tensor.shape().count()));
  backend.read_tensor(tensor, host.data());
  return {host.begin(), host.end()};
}

Tensor write(Backend& backend, const Shape4& shape, const std::vector<double>& values) {
  std::vector<float> host(values.begin(), values.end());
  Tensor tensor = backend.create_tensor(shape);
  backend.write_tensor(host.data(), tensor);
  return tensor;
}

// max |a − e| / (|e| + rms(e)), the conformance suite's measure.
double worst_error(const std::vector<double>& actual, const std::vector<double>& expected) {
  double squares = 0.0;
  for (const double value : expected) squares += value * value;
  const double rms = std::sqrt(squares / static_cast<double>(expected.size()));
  double worst = 0.0;
  for (std::size_t index = 0; index < actual.size(); ++index) {
    worst = std::max(worst, std::abs(actual[index] - expected[index]) / (std::abs(expected[index]) + rms));
  }
  return worst;
}

TEST_CASE("cpu backend: Winograd convolutions match the float64 reference") {
  std::mt19937_64 engine(3);
  CpuBackend winograd(2, true);
  CpuBackend direct(2, false);
  CHECK(winograd.description().find("winograd") != std::string::npos);
  for (const auto& shape_and_spec : {std::pair{Shape4{2, 32, 8, 8}, Conv2dSpec{32, 48, 3, 1, 1}},
                                     std::pair{Shape4{3, 64, 6, 6}, Conv2dSpec{64, 64, 3, 1, 1}}}) {
    // Not a structured binding: clang 14 cannot capture one in INFO's lambda.
    const Shape4& shape = shape_and_spec.first;
    const Conv2dSpec& spec = shape_and_spec.second;
    INFO("src " << to_string(shape) << " to " << spec.out_channels << " channels");
    const Shape4 dst_shape = spec.output_shape(shape);
    const auto src = random_values(engine, static_cast<std::size_t>(shape.count()), 1.0);
    const auto weight = random_values(engine, static_cast<std::size_t>(spec.weight_count()),
                                      1.0 / std::sqrt(static_cast<double>(spec.in_channels * 9)));
    const auto diff_dst = random_values(engine, static_cast<std::size_t>(dst_shape.count()), 1.0);
    namespace ref = conformance::reference;
    std::vector<std::vector<double>> winograd_results;
    for (CpuBackend* backend : {&winograd, &direct}) {
      auto op = backend->make_conv2d(spec);
      auto weight_buffer = backend->allocate(weight.size(), DType::f32);
      std::vector<float> host_weight(weight.begin(), weight.end());
      backend->upload(host_weight.data(), weight_buffer->view());
      auto diff_weight = backend->allocate(weight.size(), DType::f32);
      const Tensor src_tensor = write(*backend, shape, src);
      const Tensor diff_dst_tensor = write(*backend, dst_shape, diff_dst);
      Tensor dst = backend->create_tensor(dst_shape);
      Tensor diff_src = backend->create_tensor(shape);
      op->forward(src_tensor, weight_buffer->view(), dst);
      op->backward_data(diff_dst_tensor, weight_buffer->view(), diff_src);
      op->backward_weights(src_tensor, diff_dst_tensor, diff_weight->view());
      std::vector<float> host_diff_weight(weight.size());
      backend->download(diff_weight->view(), host_diff_weight.data());
      const std::vector<double> results[] = {
          read(*backend, dst), read(*backend, diff_src), {host_diff_weight.begin(), host_diff_weight.end()}};
      CHECK(worst_error(results[0], ref::conv2d_forward(src, shape, weight, spec)) < 1e-4);
      CHECK(worst_error(results[1], ref::conv2d_backward_data(diff_dst, shape, weight, spec)) < 1e-4);
      CHECK(worst_error(results[2], ref::conv2d_backward_weights(src, shape, diff_dst, spec)) < 1e-4);
      if (backend == &winograd) {
        winograd_results.assign(std::begin(results), std::end(results));
      } else {
        CHECK(results[0] != winograd_results[0]);  // another algorithm: other rounding
      }
    }
  }
}

}  // namespace
}  // namespace thermo::cpu
