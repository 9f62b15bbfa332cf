// The cpu backend's other convolution algorithms: Winograd (the `winograd` setting) and thermo's
// own thin kernels (`thin_convolutions`) agree with the float64 reference within the conformance
// suite's convolution tolerance, and really are other algorithms than oneDNN's direct kernels.
#include "cpu_backend.hpp"
#include "cpu_ops.hpp"
#include "reference_ops.hpp"
#include "thin_conv_kernels.hpp"
#include "winograd_kernels.hpp"

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

// Which passes of the candidate backend run another algorithm than the direct one.
struct Other {
  bool forward = false;
  bool backward_data = false;
};

// Forward, backward data and backward weights of `spec` on src `shape` through each backend:
// every result within 1e-4 of the float64 reference, and the candidate's results of the passes
// `other` names differ from the direct backend's (another algorithm, another rounding).
void check_against_reference(std::mt19937_64& engine, CpuBackend& candidate, CpuBackend& direct, const Shape4& shape,
                             const Conv2dSpec& spec, Other other) {
  INFO("src " << to_string(shape) << ", " << spec.in_channels << " to " << spec.out_channels << " channels");
  const Shape4 dst_shape = spec.output_shape(shape);
  const auto src = random_values(engine, static_cast<std::size_t>(shape.count()), 1.0);
  const auto weight = random_values(engine, static_cast<std::size_t>(spec.weight_count()),
                                    1.0 / std::sqrt(static_cast<double>(spec.in_channels * 9)));
  const auto diff_dst = random_values(engine, static_cast<std::size_t>(dst_shape.count()), 1.0);
  namespace ref = conformance::reference;
  const auto expected_dst = ref::conv2d_forward(src, shape, weight, spec);
  const auto expected_diff_src = ref::conv2d_backward_data(diff_dst, shape, weight, spec);
  const auto expected_diff_weight = ref::conv2d_backward_weights(src, shape, diff_dst, spec);
  std::vector<double> candidate_dst;
  std::vector<double> candidate_diff_src;
  for (CpuBackend* backend : {&candidate, &direct}) {
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
    const auto result_dst = read(*backend, dst);
    const auto result_diff_src = read(*backend, diff_src);
    CHECK(worst_error(result_dst, expected_dst) < 1e-4);
    CHECK(worst_error(result_diff_src, expected_diff_src) < 1e-4);
    CHECK(worst_error({host_diff_weight.begin(), host_diff_weight.end()}, expected_diff_weight) < 1e-4);
    if (backend == &candidate) {
      candidate_dst = result_dst;
      candidate_diff_src = result_diff_src;
    } else {
      if (other.forward) CHECK(result_dst != candidate_dst);
      if (other.backward_data) CHECK(result_diff_src != candidate_diff_src);
    }
  }
}

TEST_CASE("cpu backend: the winograd setting runs the best kernels the machine has") {
  CpuBackend best(2, WinogradRequest::best, false);
  if (machine_has_winograd()) {
    CHECK(best.description().find(", winograd convolutions") != std::string::npos);
    CHECK(best.description().find("(thermo's") == std::string::npos);
  } else if (winograd::machine_supports()) {
    CHECK(best.description().find(", winograd convolutions (thermo's") != std::string::npos);
    CHECK(best.description().find("oneDNN has none for this CPU") != std::string::npos);
  } else {
    CHECK(best.description().find("winograd requested (no Winograd kernels") != std::string::npos);
  }
}

TEST_CASE("cpu backend: oneDNN's Winograd convolutions match the float64 reference") {
  if (!machine_has_winograd()) {
    MESSAGE("skipped: oneDNN 2.6 has Winograd kernels only for AVX-512, which this machine lacks");
    return;
  }
  std::mt19937_64 engine(3);
  CpuBackend winograd(2, WinogradRequest::onednn, false);
  CpuBackend direct(2, WinogradRequest::none, false);
  CHECK(winograd.description().find(", winograd convolutions") != std::string::npos);
  check_against_reference(engine, winograd, direct, {2, 32, 8, 8}, {32, 48, 3, 1, 1}, {true, true});
  check_against_reference(engine, winograd, direct, {3, 64, 6, 6}, {64, 64, 3, 1, 1}, {true, true});
  // 16 input channels: Winograd backward, direct forward (winograd_fits per pass).
  check_against_reference(engine, winograd, direct, {2, 16, 8, 8}, {16, 32, 3, 1, 1}, {false, true});
}

// On every machine with AVX2, AVX-512 ones included (where `winograd_kernels: thermo` asks for them).
TEST_CASE("cpu backend: thermo's Winograd convolutions match the float64 reference") {
  if (!winograd::machine_supports()) {
    MESSAGE("skipped: thermo's Winograd kernels need AVX2 and FMA, which this machine lacks");
    return;
  }
  std::mt19937_64 engine(3);
  CpuBackend winograd(2, WinogradRequest::thermo, false);
  CpuBackend direct(2, WinogradRequest::none, false);
  CHECK(winograd.description().find("winograd convolutions (thermo's") != std::string::npos);
  // F(4×4, 3×3) here: even and odd sizes (tiles cut by the image's edge), one chunk of tiles and
  // several (64 tiles each on sgemm: 6·4·5 = 120 here), fewer chunks than threads (batch 1 of 4×4).
  check_against_reference(engine, winograd, direct, {2, 64, 8, 8}, {64, 64, 3, 1, 1}, {true, true});
  check_against_reference(engine, winograd, direct, {6, 64, 15, 17}, {64, 128, 3, 1, 1}, {true, true});
  check_against_reference(engine, winograd, direct, {1, 128, 4, 4}, {128, 72, 3, 1, 1}, {true, true});
  // 32 channels in and out (ConvNet(8)'s 32→64) on F(4×4, 3×3); 16 (its 16→32) on F(2×2, 3×3),
  // also with 24 (products of 16 and 8 output channels, odd sizes); 8 input channels: thinner
  // than the kernels take, so direct in every pass (never oneDNN's Winograd, even where it has them).
  check_against_reference(engine, winograd, direct, {2, 32, 8, 8}, {32, 64, 3, 1, 1}, {true, true});
  check_against_reference(engine, winograd, direct, {3, 16, 16, 16}, {16, 32, 3, 1, 1}, {true, true});
  check_against_reference(engine, winograd, direct, {2, 16, 9, 7}, {16, 24, 3, 1, 1}, {true, true});
  check_against_reference(engine, winograd, direct, {3, 8, 16, 16}, {8, 16, 3, 1, 1}, {false, false});
}

TEST_CASE("cpu backend: thermo's thin convolutions match the float64 reference") {
  if (!thin_conv::machine_supports()) {
    MESSAGE("skipped: this machine has no AVX-512, so the cpu backend runs oneDNN for every convolution");
    return;
  }
  std::mt19937_64 engine(4);
  CpuBackend thin(2, WinogradRequest::none, true);
  CpuBackend direct(2, WinogradRequest::none, false);
  CHECK(thin.description().find("thin convolutions") != std::string::npos);
  CHECK(direct.description().find("thin convolutions") == std::string::npos);
  // The forward kernel: widths that are a multiple of 16 read in place (32: blocks at both edges;
  // 16: one block that is both; 48: a middle block), others through the padded copy (5, 19, 21);
  // plain NCHW input (3 channels: the gathered batch) and channels-last.
  check_against_reference(engine, thin, direct, {3, 3, 32, 32}, {3, 8, 3, 1, 1}, {true, false});
  check_against_reference(engine, thin, direct, {2, 3, 16, 48}, {3, 8, 3, 1, 1}, {true, false});
  check_against_reference(engine, thin, direct, {1, 3, 5, 19}, {3, 8, 3, 1, 1}, {true, false});
  check_against_reference(engine, thin, direct, {2, 5, 7, 9}, {5, 8, 3, 1, 1}, {true, false});
  // Forward and backward data, 8→16 and 8→8, in place and padded.
  check_against_reference(engine, thin, direct, {3, 8, 32, 32}, {8, 16, 3, 1, 1}, {true, true});
  check_against_reference(engine, thin, direct, {2, 8, 13, 21}, {8, 16, 3, 1, 1}, {true, true});
  check_against_reference(engine, thin, direct, {5, 8, 16, 16}, {8, 8, 3, 1, 1}, {true, true});
  // Batch 1: one of the two threads has no image.
  check_against_reference(engine, thin, direct, {1, 8, 32, 32}, {8, 16, 3, 1, 1}, {true, true});
}

}  // namespace
}  // namespace thermo::cpu
