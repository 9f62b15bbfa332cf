#include "config/sweep_generators.hpp"

#include "util/numpy_spaces.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>

namespace thermo::engine {

std::vector<double> geomspace(double start, double stop, std::int64_t num, bool endpoint) {
  double sign = 1.0;
  if (start < 0.0 && stop < 0.0) {
    start = -start;
    stop = -stop;
    sign = -1.0;
  }
  std::vector<double> result = logspace(std::log10(start), std::log10(stop), num, endpoint, 10.0);
  if (!result.empty()) {
    result.front() = start;
    if (result.size() > 1 && endpoint) result.back() = stop;
  }
  for (auto& value : result) value *= sign;
  return result;
}

double round_significant(double value, int digits) {
  if (!std::isfinite(value)) return value;
  const std::string text = fmt::format("{:.{}g}", value, digits);
  double rounded = 0.0;
  std::from_chars(text.data(), text.data() + text.size(), rounded);
  return rounded;
}

}  // namespace thermo::engine
