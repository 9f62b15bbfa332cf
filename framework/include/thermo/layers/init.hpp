#pragma once
// Host-side initialisation helpers shared by the model plugins (PyTorch's default bounds).

#include <thermo/rng.hpp>

#include <cstdint>
#include <span>

namespace thermo::layers {

// Inputs feeding one output unit: the product of every extent but the first (OIHW, out×in).
[[nodiscard]] std::int64_t fan_in(std::span<const std::int64_t> shape);

// dst[i] ~ U(−bound, bound), drawn in order (float64 draws rounded to float32).
void fill_uniform(std::span<float> dst, double bound, Rng& rng);

// Scales dst to Euclidean norm `norm` (computed in float64); a zero vector stays zero.
void scale_to_norm(std::span<float> dst, double norm);

}  // namespace thermo::layers
