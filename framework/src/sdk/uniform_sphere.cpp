#include <thermo/knn_entropy.hpp>
#include <thermo/series_statistics.hpp>
#include <thermo/uniform_sphere.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace thermo {
namespace {
constexpr std::size_t kDirectBlock = 64;  // coordinates of every point drawn at a time

// Σ_m a[m]·b[m] with four independent partial sums (lets the compiler pipeline the loop).
double dot(const double* a, const double* b, std::size_t length) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t m = 0;
  for (; m + 4 <= length; m += 4) {
    s0 += a[m] * b[m];
    s1 += a[m + 1] * b[m + 1];
    s2 += a[m + 2] * b[m + 2];
    s3 += a[m + 3] * b[m + 3];
  }
  for (; m < length; ++m) s0 += a[m] * b[m];
  return (s0 + s1) + (s2 + s3);
}

// Copies the lower triangle of a row-major N×N matrix onto its upper triangle.
void symmetrize_from_lower(std::vector<double>& matrix, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) matrix[j * n + i] = matrix[i * n + j];
  }
}

void check_sizes(std::int64_t count, std::int64_t dimension) {
  if (count < 1) throw std::invalid_argument("uniform sphere: needs at least one point");
  if (dimension < 1) throw std::invalid_argument("uniform sphere: the dimension must be >= 1");
}
}  // namespace

const char* to_string(UniformSphereMethod method) {
  return method == UniformSphereMethod::wishart ? "wishart" : "direct";
}

UniformSphereMethod parse_uniform_sphere_method(const std::string& text) {
  if (text == "wishart") return UniformSphereMethod::wishart;
  if (text == "direct") return UniformSphereMethod::direct;
  throw std::invalid_argument("uniform sphere method must be wishart or direct, got '" + text + "'");
}

std::vector<double> gaussian_gram_direct(std::int64_t count, std::int64_t dimension, Rng& rng) {
  check_sizes(count, dimension);
  const auto n = static_cast<std::size_t>(count);
  const auto total = static_cast<std::size_t>(dimension);
  std::vector<double> gram(n * n, 0.0);
  std::vector<double> block(n * kDirectBlock);
  for (std::size_t start = 0; start < total; start += kDirectBlock) {
    const std::size_t width = std::min(kDirectBlock, total - start);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t m = 0; m < width; ++m) block[i * width + m] = rng.normal();
    }
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j <= i; ++j) gram[i * n + j] += dot(&block[i * width], &block[j * width], width);
    }
  }
  symmetrize_from_lower(gram, n);
  return gram;
}

std::vector<double> gaussian_gram_wishart(std::int64_t count, std::int64_t dimension, Rng& rng) {
  check_sizes(count, dimension);
  if (dimension < count) {
    throw std::invalid_argument("gaussian_gram_wishart: the Bartlett decomposition needs dimension >= count");
  }
  const auto n = static_cast<std::size_t>(count);
  std::vector<double> factor(n * n, 0.0);  // L, lower triangular, row-major
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) factor[i * n + j] = rng.normal();
    // 0-based row i has χ² with D − i degrees of freedom (1-based: D − i + 1).
    factor[i * n + i] = std::sqrt(rng.chi_square(static_cast<double>(dimension - static_cast<std::int64_t>(i))));
  }
  // G = L·Lᵀ: G_ij = Σ_{m <= min(i, j)} L_im·L_jm, a dot of two row prefixes; N³/6 multiply-adds.
  std::vector<double> gram(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) gram[i * n + j] = dot(&factor[i * n], &factor[j * n], j + 1);
  }
  symmetrize_from_lower(gram, n);
  return gram;
}

std::vector<double> uniform_sphere_cosines(std::int64_t count, std::int64_t dimension, UniformSphereMethod method,
                                           Rng& rng) {
  auto gram = (method == UniformSphereMethod::wishart && dimension >= count)
                  ? gaussian_gram_wishart(count, dimension, rng)
                  : gaussian_gram_direct(count, dimension, rng);
  const auto n = static_cast<std::size_t>(count);
  std::vector<double> inverse_norm(n);
  for (std::size_t i = 0; i < n; ++i) inverse_norm[i] = 1.0 / std::sqrt(gram[i * n + i]);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) gram[i * n + j] *= inverse_norm[i] * inverse_norm[j];
    gram[i * n + i] = 1.0;
  }
  return gram;
}

void cosines_to_squared_distances(std::span<double> cosines, std::int64_t count) {
  const auto n = static_cast<std::size_t>(count);
  if (cosines.size() != n * n)
    throw std::invalid_argument("cosines_to_squared_distances: expected a count x count matrix");
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double& entry = cosines[i * n + j];
      entry = i == j ? 0.0 : std::max(2.0 - 2.0 * entry, 0.0);
    }
  }
}

UniformEntropyReference uniform_sphere_entropy(std::int64_t count, std::int64_t dimension,
                                               std::span<const std::int64_t> ks, std::int64_t repeats,
                                               UniformSphereMethod method, Rng& rng) {
  if (dimension < 2) throw std::invalid_argument("uniform_sphere_entropy: the dimension must be >= 2 (d = D - 1 > 0)");
  if (repeats < 1) throw std::invalid_argument("uniform_sphere_entropy: repeats must be >= 1");
  check_sizes(count, dimension);
  const auto repeat_count = static_cast<std::size_t>(repeats);
  std::vector<std::vector<double>> per_k(ks.size(), std::vector<double>(repeat_count));
  for (std::size_t r = 0; r < repeat_count; ++r) {
    auto distances = uniform_sphere_cosines(count, dimension, method, rng);
    cosines_to_squared_distances(distances, count);
    const auto entropies =
        knn_entropies(distances, count, static_cast<double>(dimension - 1), ks, DistanceKind::squared);
    for (std::size_t q = 0; q < ks.size(); ++q) per_k[q][r] = entropies[q];
  }
  UniformEntropyReference reference;
  reference.ks.assign(ks.begin(), ks.end());
  reference.repeats = repeats;
  for (const auto& values : per_k) {
    const auto summary = nan_mean_and_deviation(values);
    reference.mean.push_back(summary.mean);
    reference.std_dev.push_back(summary.deviation);
  }
  return reference;
}

}  // namespace thermo
