#pragma once
// Points uniform on the unit sphere S^{D−1} seen through their Gram matrix, and the entropy they
// give (docs/method.md §6's "uniform" reference lines). The kNN estimator only needs distances, and for
// unit vectors ‖x_i − x_j‖² = 2 − 2·cos_ij, so the N×N Gram is all we need; sampling it as a
// Wishart matrix costs O(N³) whatever D is (D = 1.5M for the wide ConvNet).

#include <thermo/rng.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace thermo {

enum class UniformSphereMethod {
  wishart,  // Bartlett decomposition of Wishart_N(I, D): O(N³) time, O(N²) memory, any D >= N
  direct,   // D Gaussian coordinates per point: O(N²·D) time, O(N² + N·64) memory
};
[[nodiscard]] const char* to_string(UniformSphereMethod method);
// "wishart" or "direct"; throws std::invalid_argument otherwise.
[[nodiscard]] UniformSphereMethod parse_uniform_sphere_method(const std::string& text);

// The Gram matrix G = X·Xᵀ (N×N, row-major, float64) of N i.i.d. N(0, I_D) vectors x_i.
// Direct: draws the vectors, 64 coordinates of every point at a time, and accumulates G.
[[nodiscard]] std::vector<double> gaussian_gram_direct(std::int64_t count, std::int64_t dimension, Rng& rng);
// Wishart: G ~ Wishart_N(I, D) = L·Lᵀ with L lower triangular, L_ii = sqrt(χ²_{D−i+1}) (1-based i),
// L_ij ~ N(0, 1) for i > j (Bartlett). Needs D >= N (otherwise G is singular and has no Bartlett
// factor): throws std::invalid_argument then; uniform_sphere_cosines falls back to `direct`.
[[nodiscard]] std::vector<double> gaussian_gram_wishart(std::int64_t count, std::int64_t dimension, Rng& rng);

// The Gram of N points uniform on S^{D−1}: cos_ij = G_ij / sqrt(G_ii·G_jj) (normalising x_i makes
// it uniform on the sphere), diagonal exactly 1. `wishart` with D < N uses `direct` (cheaper there).
[[nodiscard]] std::vector<double> uniform_sphere_cosines(std::int64_t count, std::int64_t dimension,
                                                         UniformSphereMethod method, Rng& rng);

// In place: cos_ij → ‖x_i − x_j‖² = 2 − 2·cos_ij (clamped at 0), diagonal exactly 0. In float64 this
// loses nothing that matters: for large D neighbours are nearly orthogonal (cos = O(1/√D), distance
// ≈ √2, no cancellation); for small D the nearest of N = 1000 points on S² are ~0.05 apart, where
// 2 − 2·cos keeps ~13 significant digits.
void cosines_to_squared_distances(std::span<double> cosines, std::int64_t count);

struct UniformEntropyReference {
  std::vector<std::int64_t> ks;
  std::vector<double> mean;     // mean of S_k over the repeats, per k
  std::vector<double> std_dev;  // population standard deviation (ddof 0, numpy's default), per k
  std::int64_t repeats = 0;
};

// The kNN entropy (d = D − 1) of `count` uniform points on S^{D−1}, `repeats` independent times.
// Needs D >= 2, count >= 1, repeats >= 1 (std::invalid_argument otherwise).
[[nodiscard]] UniformEntropyReference uniform_sphere_entropy(std::int64_t count, std::int64_t dimension,
                                                             std::span<const std::int64_t> ks, std::int64_t repeats,
                                                             UniformSphereMethod method, Rng& rng);

}  // namespace thermo
