#pragma once
// Pooling arithmetic of the cuda backend: window bounds, PyTorch's maximum (the first in scan
// order; NaN wins), and which windows cover an input position (for a backward that gathers
// instead of scattering, so overlapping windows need no atomics and the sums are deterministic).

#include "host_device.hpp"

#include <cstdint>

namespace thermo::cuda::arithmetic {

// Whether `value` replaces the window's maximum so far: larger, or NaN.
THERMO_HOST_DEVICE bool replaces_maximum(float value, float best) {
  return value > best || value != value;
}

// The output rows (or columns) whose windows contain input row `position`: first..last
// inclusive, empty when first > last. Window o covers rows o·stride − padding .. + kernel − 1.
struct Covering {
  std::int64_t first = 0;
  std::int64_t last = -1;
};

THERMO_HOST_DEVICE Covering covering_windows(std::int64_t position, std::int64_t kernel, std::int64_t stride,
                                             std::int64_t padding, std::int64_t outputs) {
  const std::int64_t shifted = position + padding;  // o·stride <= shifted <= o·stride + kernel − 1
  const std::int64_t low = shifted - kernel + 1;
  Covering result;
  result.first = low <= 0 ? 0 : (low + stride - 1) / stride;
  result.last = shifted / stride;
  if (result.last > outputs - 1) result.last = outputs - 1;
  return result;
}

}  // namespace thermo::cuda::arithmetic
