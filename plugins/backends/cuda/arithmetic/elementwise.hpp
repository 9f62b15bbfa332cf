#pragma once
// Element-wise arithmetic of the cuda backend's vector ops, the same as the cpu backend's: each
// element computed in float64 and rounded once to float32.

#include "host_device.hpp"

#include <cmath>

namespace thermo::cuda::arithmetic {

// y + alpha·x
THERMO_HOST_DEVICE float axpy(double alpha, float x, float y) {
  return static_cast<float>(static_cast<double>(y) + alpha * static_cast<double>(x));
}

// alpha·x
THERMO_HOST_DEVICE float scaled(double alpha, float x) {
  return static_cast<float>(alpha * static_cast<double>(x));
}

// The factor of the projection on the sphere of radius `norm` for a vector of squared norm
// `squared`: norm/‖x‖, or 1 (leave x) when ‖x‖ is 0 or not finite, so that a diverged run shows.
THERMO_HOST_DEVICE double sphere_factor(double norm, double squared) {
  const double current = std::sqrt(squared);
  return (current > 0.0 && std::isfinite(current)) ? norm / current : 1.0;
}

// ReLU that keeps NaN (PyTorch): the value where x > 0 or x is NaN, else 0.
THERMO_HOST_DEVICE float relu(float x) {
  return !(x <= 0.0F) ? x : 0.0F;
}

// The ReLU's backward from its forward output: diff where the output is > 0, else 0.
THERMO_HOST_DEVICE float relu_backward(float dst, float diff_dst) {
  return dst > 0.0F ? diff_dst : 0.0F;
}

}  // namespace thermo::cuda::arithmetic
