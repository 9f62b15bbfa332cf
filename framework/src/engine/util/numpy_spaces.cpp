#include "util/numpy_spaces.hpp"

#include <cmath>

namespace thermo::engine {

std::vector<double> linspace(double start, double stop, std::int64_t num, bool endpoint) {
  std::vector<double> values;
  if (num <= 0) return values;
  const auto divisions = static_cast<double>(endpoint ? num - 1 : num);
  const double delta = stop - start;
  const double step = divisions > 0 ? delta / divisions : delta;
  values.reserve(static_cast<std::size_t>(num));
  for (std::int64_t i = 0; i < num; ++i) {
    const auto index = static_cast<double>(i);
    // numpy: when the step is zero it scales by delta/div instead (same values, other rounding).
    values.push_back(step == 0.0 && divisions > 0 ? index / divisions * delta + start : index * step + start);
  }
  if (endpoint && num > 1) values.back() = stop;
  return values;
}

std::vector<double> logspace(double start, double stop, std::int64_t num, bool endpoint, double base) {
  auto values = linspace(start, stop, num, endpoint);
  for (auto& value : values) value = std::pow(base, value);
  return values;
}

}  // namespace thermo::engine
