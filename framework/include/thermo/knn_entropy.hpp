#pragma once
// The paper's k-nearest-neighbour entropy estimator (docs/method.md §6), on a float64 distance matrix:
// shared by the trajectory entropy, the stochastic entropy and the uniform reference.

#include <cstdint>
#include <span>
#include <vector>

namespace thermo {

// The ks the paper logs: 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 (the paper reports k = 50).
[[nodiscard]] const std::vector<std::int64_t>& default_entropy_ks();

// What the matrix holds: distances ‖x_i − x_j‖, or their squares (what
// Backend::pairwise_squared_distances writes; negative round-off is clamped to 0 before sqrt).
enum class DistanceKind { plain, squared };

// For N points on a (d)-sphere (d = D − 1 for points of R^D) with the N×N row-major matrix of their
// distances, and γ = 1: s_k = Σ_i Σ_{m=0..k} D_i(m), the k+1 smallest entries of each row (the
// point itself included; the whole row when k+1 > N), clipped below at 1e-8, and
// S_k = (d/γ)·(ln s_k − ((d − γ)/d)·ln N). Returns S_k for each k of `ks`, in that order.
// Rows are partially sorted (nth_element, then a sort of the first max(k)+1): O(N² + N·k log k).
// A NaN anywhere in the matrix gives NaN for every k (knn_distance_sums likewise).
// Throws std::invalid_argument for a matrix that is not N×N, N < 1, d <= 0 or a k < 1.
[[nodiscard]] std::vector<double> knn_entropies(std::span<const double> distances, std::int64_t count,
                                                double intrinsic_dimension, std::span<const std::int64_t> ks,
                                                DistanceKind kind = DistanceKind::plain);

// The sums s_k alone (before the clip), for tests and diagnostics.
[[nodiscard]] std::vector<double> knn_distance_sums(std::span<const double> distances, std::int64_t count,
                                                    std::span<const std::int64_t> ks,
                                                    DistanceKind kind = DistanceKind::plain);

// S_k from one sum s_k (applies the 1e-8 clip): (d/γ)·(ln max(s, 1e-8) − ((d − γ)/d)·ln N).
[[nodiscard]] double knn_entropy_from_sum(double distance_sum, std::int64_t count, double intrinsic_dimension);

}  // namespace thermo
