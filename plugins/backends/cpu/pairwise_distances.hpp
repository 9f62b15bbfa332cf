#pragma once
// Pairwise squared Euclidean distances of float32 rows, accurate to float64 even when the rows
// are 1e-6 apart (trajectory entropy): see pairwise_distances.cpp for the method.

#include "cpu_context.hpp"

#include <cstdint>
#include <span>

namespace thermo::cpu {

enum class DistanceMethod {
  gram,    // centred float64 Gram matrix (dsyrk), then direct differences where it cancels badly
  direct,  // Σ (x_i − x_j)² in float64 for every pair (the brute-force cross-check)
};

// rows: count × dim, row-major. dst: count × count, row-major.
void pairwise_squared_distances(const CpuContext& context, const float* rows, std::int64_t count, std::int64_t dim,
                                std::span<double> dst, DistanceMethod method = DistanceMethod::gram);

}  // namespace thermo::cpu
