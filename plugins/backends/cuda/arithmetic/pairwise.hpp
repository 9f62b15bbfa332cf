#pragma once
// Pairwise squared distances accurate to float64, as the cpu backend computes them: the Gram
// matrix of the rows centred by a float32 centre (so that x − centre is exact in float64), added
// block by block with Neumaier's compensation; d_ij = G_ii + G_jj − 2·G_ij, recomputed directly as
// Σ (x_i − x_j)² where it cancels (d_ij < kCancellation·(G_ii + G_jj)).

#include "host_device.hpp"

#include <cmath>

namespace thermo::cuda::arithmetic {

// Pairs whose Gram distance keeps less than about two digits are recomputed directly.
inline constexpr double kCancellation = 1e-2;

// The column mean rounded to float32, as a double: x − centre is then exact in float64.
THERMO_HOST_DEVICE double float_centre(double column_sum, double count) {
  return static_cast<double>(static_cast<float>(column_sum / count));
}

// sum += value, with the rounding error kept in carry (Neumaier).
THERMO_HOST_DEVICE void compensated_add(double& sum, double& carry, double value) {
  const double total = sum + value;
  carry += std::fabs(sum) >= std::fabs(value) ? (sum - total) + value : (value - total) + sum;
  sum = total;
}

struct GramDistance {
  double distance = 0.0;
  bool cancelled = false;  // recompute directly
};

THERMO_HOST_DEVICE GramDistance gram_distance(double gram_ii, double gram_jj, double gram_ij) {
  const double scale = gram_ii + gram_jj;
  const double distance = scale - 2.0 * gram_ij;
  return {distance, distance < kCancellation * scale};
}

// (x − y)² with the float32 difference exact in float64.
THERMO_HOST_DEVICE double squared_difference(float x, float y) {
  const double d = static_cast<double>(x) - static_cast<double>(y);
  return d * d;
}

}  // namespace thermo::cuda::arithmetic
