#include <thermo/series_statistics.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace thermo {

MeanAndDeviation nan_mean_and_deviation(std::span<const double> values) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  MeanAndDeviation result;
  double sum = 0.0;
  for (const double value : values) {
    if (std::isnan(value)) continue;
    sum += value;
    ++result.count;
  }
  if (result.count == 0) return {kNaN, kNaN, 0};
  const auto count = static_cast<double>(result.count);
  result.mean = sum / count;
  // Two passes, as numpy does: the mean first, then the mean squared deviation from it.
  double squares = 0.0;
  for (const double value : values) {
    if (std::isnan(value)) continue;
    const double deviation = value - result.mean;
    squares += deviation * deviation;
  }
  result.deviation = std::sqrt(squares / count);
  return result;
}

LineFit fit_line(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) throw std::invalid_argument("fit_line: x and y differ in length");
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  LineFit fit{kNaN, kNaN, x.size()};
  if (x.size() < 2) return fit;
  const auto count = static_cast<double>(x.size());
  double x_sum = 0.0;
  double y_sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    x_sum += x[i];
    y_sum += y[i];
  }
  const double x_mean = x_sum / count;
  const double y_mean = y_sum / count;
  double cross = 0.0;
  double spread = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - x_mean;
    cross += dx * (y[i] - y_mean);
    spread += dx * dx;
  }
  if (spread == 0.0) return fit;
  fit.slope = cross / spread;
  fit.intercept = y_mean - fit.slope * x_mean;
  return fit;
}

std::vector<double> smooth_in_log(std::span<const double> x, std::span<const double> y, double sigma) {
  if (x.size() != y.size()) throw std::invalid_argument("smooth_in_log: x and y differ in length");
  std::vector<double> smoothed(y.begin(), y.end());
  if (!(sigma > 0.0)) return smoothed;
  std::vector<double> position(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !(x[i] > 0.0)) {
      throw std::invalid_argument("smooth_in_log: every x must be finite and > 0");
    }
    position[i] = std::log(x[i]);
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    double weight_sum = 0.0;
    double sum = 0.0;
    for (std::size_t j = 0; j < x.size(); ++j) {
      const double distance = position[i] - position[j];
      const double weight = std::exp(-distance * distance / (2.0 * sigma * sigma));
      weight_sum += weight;
      sum += weight * y[j];
    }
    smoothed[i] = sum / weight_sum;
  }
  return smoothed;
}

}  // namespace thermo
