#pragma once
// Small statistics on series of doubles that analyses and reports share: the NaN-skipping mean and
// population standard deviation of a window of log points, an ordinary least-squares line fit, and
// the Gaussian smoothing along ln(iteration) of the reference notebooks.

#include <cstddef>
#include <span>
#include <vector>

namespace thermo {

struct MeanAndDeviation {
  double mean = 0.0;
  double deviation = 0.0;  // population standard deviation (ddof = 0, numpy's default)
  std::size_t count = 0;   // how many values were not NaN
};

// Mean and population standard deviation of the values that are not NaN (numpy.nanmean and
// numpy.nanstd with ddof = 0). Both are NaN when every value is NaN or there are none. Infinite
// values take part (and make the result infinite or NaN, as in numpy).
[[nodiscard]] MeanAndDeviation nan_mean_and_deviation(std::span<const double> values);

struct LineFit {
  double slope = 0.0;
  double intercept = 0.0;
  std::size_t points = 0;
};

// Least squares y ≈ slope·x + intercept over every pair, with centred sums (the reference's
// `linear_fit`): slope = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)², intercept = ȳ − slope·x̄. Slope and intercept are
// NaN with fewer than two points or when all x are equal. Throws std::invalid_argument when the
// spans differ in length.
[[nodiscard]] LineFit fit_line(std::span<const double> x, std::span<const double> y);

// Gaussian smoothing in ln(x), as the reference notebooks smooth series along training: value i
// becomes Σ_j w_ij·y_j / Σ_j w_ij with w_ij = exp(−(ln x_i − ln x_j)² / (2σ²)) over every point (the
// full kernel, no truncation). σ <= 0 returns y unchanged. Throws std::invalid_argument when the
// spans differ in length or an x is not finite and > 0.
[[nodiscard]] std::vector<double> smooth_in_log(std::span<const double> x, std::span<const double> y, double sigma);

}  // namespace thermo
