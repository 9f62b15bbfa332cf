#pragma once
// Loss arithmetic of the cuda backend per sample, in float64 as the cpu backend's: the summed
// loss of one row of logits and d(loss)/d(logits), and whether the arg-max (first maximum) is
// the label.

#include "host_device.hpp"

#include <cmath>
#include <cstdint>

namespace thermo::cuda::arithmetic {

THERMO_HOST_DEVICE std::int64_t first_arg_max(const float* row, std::int64_t classes) {
  std::int64_t best = 0;
  for (std::int64_t k = 1; k < classes; ++k) {
    if (row[k] > row[best]) best = k;
  }
  return best;
}

// −log softmax(row)[label]; gradient[k] = softmax(row)[k] − [k = label].
THERMO_HOST_DEVICE double cross_entropy(const float* row, std::int64_t classes, std::int64_t label, double* gradient) {
  const double top = static_cast<double>(row[first_arg_max(row, classes)]);
  double sum = 0.0;
  for (std::int64_t k = 0; k < classes; ++k) {
    gradient[k] = std::exp(static_cast<double>(row[k]) - top);
    sum += gradient[k];
  }
  for (std::int64_t k = 0; k < classes; ++k) gradient[k] /= sum;
  gradient[label] -= 1.0;
  return top + std::log(sum) - static_cast<double>(row[label]);
}

// Σ_k (row[k] − [k = label])²; gradient[k] = 2·(row[k] − [k = label]).
THERMO_HOST_DEVICE double squared_error(const float* row, std::int64_t classes, std::int64_t label, double* gradient) {
  double sum = 0.0;
  for (std::int64_t k = 0; k < classes; ++k) {
    const double difference = static_cast<double>(row[k]) - (k == label ? 1.0 : 0.0);
    sum += difference * difference;
    gradient[k] = 2.0 * difference;
  }
  return sum;
}

}  // namespace thermo::cuda::arithmetic
