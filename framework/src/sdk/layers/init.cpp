#include <thermo/layers/init.hpp>

#include <cmath>
#include <stdexcept>

namespace thermo::layers {

std::int64_t fan_in(std::span<const std::int64_t> shape) {
  if (shape.size() < 2) throw std::invalid_argument("fan_in: a weight has at least two dimensions");
  std::int64_t count = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) count *= shape[i];
  return count;
}

void fill_uniform(std::span<float> dst, double bound, Rng& rng) {
  for (auto& value : dst) value = static_cast<float>(rng.uniform(-bound, bound));
}

void scale_to_norm(std::span<float> dst, double norm) {
  double squared = 0.0;
  for (float value : dst) squared += static_cast<double>(value) * static_cast<double>(value);
  if (squared == 0.0) return;
  const double factor = norm / std::sqrt(squared);
  for (auto& value : dst) value = static_cast<float>(static_cast<double>(value) * factor);
}

}  // namespace thermo::layers
