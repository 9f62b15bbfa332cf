#include <thermo/series_statistics.hpp>
#include <thermo/temperature.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace thermo {

std::optional<RowRange> resolve_row_range(std::int64_t first, std::int64_t last, std::size_t count) {
  const auto rows = static_cast<std::int64_t>(count);
  if (first < 0) first += rows;
  if (last < 0) last += rows;
  if (first < 0 || last > rows || first >= last) return std::nullopt;
  return RowRange{static_cast<std::size_t>(first), static_cast<std::size_t>(last)};
}

std::vector<double> smoothing_weights(std::span<const double> log_learning_rates, double width) {
  if (!(width > 0.0)) throw std::invalid_argument(fmt::format("smoothing width must be > 0, got {}", width));
  const std::size_t n = log_learning_rates.size();
  std::vector<double> weights(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double row_sum = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double weight = std::max(width - std::abs(log_learning_rates[i] - log_learning_rates[j]), 0.0);
      weights[i * n + j] = weight;
      row_sum += weight;
    }
    for (std::size_t j = 0; j < n; ++j) weights[i * n + j] /= row_sum;
  }
  for (const std::size_t edge : {std::size_t{0}, n - 1}) {
    if (n == 0) break;
    for (std::size_t j = 0; j < n; ++j) weights[edge * n + j] = (j == edge) ? 1.0 : 0.0;
  }
  return weights;
}

namespace {
std::vector<double> multiply(const std::vector<double>& matrix, std::span<const double> vector) {
  const std::size_t n = vector.size();
  std::vector<double> result(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < n; ++j) sum += matrix[i * n + j] * vector[j];
    result[i] = sum;
  }
  return result;
}
}  // namespace

TemperatureEstimate estimate_temperature(std::span<const double> learning_rates, std::span<const double> energy,
                                         std::span<const double> entropy, const TemperatureSettings& settings) {
  const std::size_t n = learning_rates.size();
  if (energy.size() != n || entropy.size() != n) {
    throw std::invalid_argument("estimate_temperature: learning rates, energy and entropy differ in length");
  }
  if (!(settings.eps >= 0.0)) throw std::invalid_argument(fmt::format("eps must be >= 0, got {}", settings.eps));
  std::vector<double> log_learning_rates(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(learning_rates[i]) || !(learning_rates[i] > 0.0)) {
      throw std::invalid_argument(fmt::format("learning rate {} is not finite and > 0", learning_rates[i]));
    }
    log_learning_rates[i] = std::log(learning_rates[i]);
  }
  const auto weights = smoothing_weights(log_learning_rates, settings.smoothing_width);

  TemperatureEstimate estimate;
  estimate.smoothed_energy = multiply(weights, energy);
  estimate.smoothed_entropy = multiply(weights, entropy);
  estimate.lower.resize(n);
  estimate.upper.resize(n);
  estimate.temperature.resize(n);
  const auto& u = estimate.smoothed_energy;
  const auto& s = estimate.smoothed_entropy;
  for (std::size_t i = 0; i < n; ++i) {
    double lower = 0.0;
    double upper = kTemperatureUnbounded;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double v = (u[i] - u[j] - settings.eps) / (s[i] - s[j]);
      // Python's min(upper, v) / max(lower, v): a NaN candidate never replaces the running value.
      if (j > i) {
        if (v < upper) upper = v;
      } else {
        if (v > lower) lower = v;
      }
    }
    if (lower == 0.0) lower = upper;
    if (upper == kTemperatureUnbounded) upper = lower;
    estimate.lower[i] = lower;
    estimate.upper[i] = upper;
    estimate.temperature[i] = std::exp((std::log(lower) + std::log(upper)) / 2.0);
  }
  return estimate;
}

std::string temperature_problem(double lower, double upper, double temperature) {
  if (std::isfinite(temperature) && temperature > 0.0) return {};
  std::string text;
  const auto describe = [&text](const char* name, double bound) {
    std::string part;
    if (std::isnan(bound)) {
      part = fmt::format("{} is NaN", name);
    } else if (bound < 0.0) {
      part = fmt::format("{} = {:.6g} < 0", name, bound);
    } else if (bound == 0.0) {
      part = fmt::format("{} = 0", name);
    } else if (std::isinf(bound)) {
      part = fmt::format("{} = inf", name);
    }
    if (!part.empty()) text += (text.empty() ? "" : ", ") + part;
  };
  describe("T_min", lower);
  describe("T_max", upper);
  return text.empty() ? fmt::format("T = {}", temperature) : text;
}

PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) throw std::invalid_argument("fit_power_law: x and y differ in length");
  PowerLawFit fit;
  std::vector<double> log_x;
  std::vector<double> log_y;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool usable = std::isfinite(x[i]) && x[i] > 0.0 && std::isfinite(y[i]) && y[i] > 0.0;
    if (!usable) continue;
    log_x.push_back(std::log(x[i]));
    log_y.push_back(std::log(y[i]));
    fit.rows_used.push_back(i);
  }
  fit.points_used = fit.rows_used.size();
  const LineFit line = fit_line(log_x, log_y);
  fit.exponent = line.slope;
  fit.coefficient = std::exp(line.intercept);
  return fit;
}

PowerLawFit fit_temperature_power_law(std::span<const double> learning_rates, std::span<const double> temperature) {
  if (learning_rates.size() != temperature.size()) {
    throw std::invalid_argument("fit_temperature_power_law: learning rates and temperatures differ in length");
  }
  if (learning_rates.size() <= 2) return fit_power_law({}, {});
  const std::size_t interior = learning_rates.size() - 2;
  PowerLawFit fit = fit_power_law(learning_rates.subspan(1, interior), temperature.subspan(1, interior));
  for (auto& row : fit.rows_used) ++row;  // back to indices of the whole range
  return fit;
}

std::vector<double> free_energy_curve(std::span<const double> smoothed_energy, std::span<const double> smoothed_entropy,
                                      double temperature) {
  if (smoothed_energy.size() != smoothed_entropy.size()) {
    throw std::invalid_argument("free_energy_curve: energy and entropy differ in length");
  }
  std::vector<double> curve(smoothed_energy.size());
  for (std::size_t i = 0; i < curve.size(); ++i) curve[i] = smoothed_energy[i] - temperature * smoothed_entropy[i];
  return curve;
}

std::optional<std::size_t> argmin_ignoring_nan(std::span<const double> values) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) continue;
    if (!best || values[i] < values[*best]) best = i;
  }
  return best;
}

std::vector<double> finite_difference_temperature(std::span<const double> energy, std::span<const double> entropy,
                                                  std::size_t offset) {
  if (energy.size() != entropy.size()) {
    throw std::invalid_argument("finite_difference_temperature: energy and entropy differ in length");
  }
  if (offset == 0) throw std::invalid_argument("finite_difference_temperature: offset must be >= 1");
  const std::size_t n = energy.size();
  std::vector<double> temperature;
  if (n <= 2 * offset) return temperature;
  temperature.reserve(n - 2 * offset);
  for (std::size_t t = offset; t + offset < n; ++t) {
    temperature.push_back((energy[t + offset] - energy[t - offset]) / (entropy[t + offset] - entropy[t - offset]));
  }
  return temperature;
}

}  // namespace thermo
