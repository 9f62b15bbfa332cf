#pragma once
// Batch-norm arithmetic of the cuda backend, the same as the cpu backend's (PyTorch's
// semantics): statistics accumulated in float64, shifted by the channel's first value, so that a
// channel whose mean is large against its spread keeps its variance; normalisation subtracts the
// float64 mean as two float32 parts; the fused ReLU keeps NaN.

#include "host_device.hpp"

#include <cmath>
#include <cstdint>

namespace thermo::cuda::arithmetic {

// Σ (x − shift) and Σ (x − shift)² of a part of a channel; parts add.
struct ShiftedSums {
  double sum = 0.0;
  double squares = 0.0;
};

THERMO_HOST_DEVICE void add_value(ShiftedSums& sums, float x, float shift) {
  const double d = static_cast<double>(x) - static_cast<double>(shift);
  sums.sum += d;
  sums.squares += d * d;
}

struct Statistics {
  double mean = 0.0;
  double variance = 0.0;  // biased
};

THERMO_HOST_DEVICE Statistics finish_statistics(const ShiftedSums& sums, float shift, std::int64_t count) {
  const double n = static_cast<double>(count);
  const double offset = sums.sum / n;
  const double variance = sums.squares / n - offset * offset;
  return {static_cast<double>(shift) + offset, variance > 0.0 ? variance : 0.0};
}

// x̂ = ((x − mean_high) − mean_low)·inverse_std, each step in float32.
struct Normalisation {
  float mean_high = 0.0F;
  float mean_low = 0.0F;
  float inverse_std = 0.0F;
};

THERMO_HOST_DEVICE Normalisation make_normalisation(double mean, double variance, double eps) {
  Normalisation result;
  result.mean_high = static_cast<float>(mean);
  result.mean_low = static_cast<float>(mean - static_cast<double>(result.mean_high));
  result.inverse_std = static_cast<float>(1.0 / std::sqrt(variance + eps));
  return result;
}

THERMO_HOST_DEVICE float normalised(float x, const Normalisation& n) {
  return ((x - n.mean_high) - n.mean_low) * n.inverse_std;
}

// The value kept where a fused ReLU passes (x̂ > 0 or NaN), else 0.
THERMO_HOST_DEVICE float relu_passed(float value, float normalised_value, bool relu) {
  return (!relu || !(normalised_value <= 0.0F)) ? value : 0.0F;
}

// running ← (1 − momentum)·running + momentum·batch, in float64, rounded once.
THERMO_HOST_DEVICE float running_update(float running, double batch, double momentum) {
  return static_cast<float>((1.0 - momentum) * static_cast<double>(running) + momentum * batch);
}

// The unbiased variance's factor n/(n − 1).
THERMO_HOST_DEVICE double unbias_factor(std::int64_t count) {
  return static_cast<double>(count) / static_cast<double>(count - 1);
}

// Backward: diff_src = inverse_std·g − offset − x̂·slope, offset = inverse_std·mean(g) and
// slope = inverse_std·mean(g·x̂), from Σ g and Σ g·x̂ (float64) over the channel.
struct GradientCoefficients {
  float offset = 0.0F;
  float slope = 0.0F;
};

THERMO_HOST_DEVICE GradientCoefficients gradient_coefficients(float inverse_std, double sum, double weighted,
                                                              std::int64_t count) {
  const double scale = static_cast<double>(inverse_std);
  const double n = static_cast<double>(count);
  return {static_cast<float>(scale * sum / n), static_cast<float>(scale * weighted / n)};
}

THERMO_HOST_DEVICE float input_gradient(float g, float normalised_value, float inverse_std,
                                        const GradientCoefficients& c) {
  return inverse_std * g - c.offset - normalised_value * c.slope;
}

}  // namespace thermo::cuda::arithmetic
