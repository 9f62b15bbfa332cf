#include <thermo/knn_entropy.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace thermo {
namespace {
constexpr double kGamma = 1.0;
constexpr double kSumFloor = 1e-8;

void check_arguments(std::span<const double> distances, std::int64_t count, std::span<const std::int64_t> ks) {
  if (count < 1) throw std::invalid_argument("knn_entropy: needs at least one point");
  if (distances.size() != static_cast<std::size_t>(count) * static_cast<std::size_t>(count)) {
    throw std::invalid_argument("knn_entropy: the distance matrix must be count x count, got " +
                                std::to_string(distances.size()) + " entries for " + std::to_string(count) + " points");
  }
  for (auto k : ks) {
    if (k < 1) throw std::invalid_argument("knn_entropy: every k must be >= 1, got " + std::to_string(k));
  }
}
}  // namespace

const std::vector<std::int64_t>& default_entropy_ks() {
  static const std::vector<std::int64_t> ks{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
  return ks;
}

std::vector<double> knn_distance_sums(std::span<const double> distances, std::int64_t count,
                                      std::span<const std::int64_t> ks, DistanceKind kind) {
  check_arguments(distances, count, ks);
  const auto n = static_cast<std::size_t>(count);
  std::vector<double> sums(ks.size(), 0.0);
  if (ks.empty()) return sums;
  // How many of each row's smallest entries any k needs: k + 1, at most the whole row.
  const auto largest_k = static_cast<std::size_t>(*std::max_element(ks.begin(), ks.end()));
  const std::size_t kept = std::min(largest_k + 1, n);

  std::vector<double> row(n);
  std::vector<double> prefix(kept);  // prefix[m] = sum of the m+1 smallest entries of the row
  for (std::size_t i = 0; i < n; ++i) {
    const double* src = distances.data() + i * n;
    if (kind == DistanceKind::squared) {
      for (std::size_t j = 0; j < n; ++j) row[j] = std::sqrt(std::max(src[j], 0.0));
    } else {
      std::copy(src, src + n, row.begin());
    }
    // NaN breaks the ordering sort relies on; a diverged run's points give NaN entropies.
    if (std::any_of(row.begin(), row.end(), [](double value) { return std::isnan(value); })) {
      std::fill(sums.begin(), sums.end(), std::nan(""));
      return sums;
    }
    const auto kept_end = row.begin() + static_cast<std::ptrdiff_t>(kept);
    if (kept < n) std::nth_element(row.begin(), kept_end - 1, row.end());
    std::sort(row.begin(), kept_end);
    double running = 0.0;
    for (std::size_t m = 0; m < kept; ++m) prefix[m] = running += row[m];
    for (std::size_t q = 0; q < ks.size(); ++q) {
      const std::size_t taken = std::min(static_cast<std::size_t>(ks[q]) + 1, n);
      sums[q] += prefix[taken - 1];
    }
  }
  return sums;
}

double knn_entropy_from_sum(double distance_sum, std::int64_t count, double intrinsic_dimension) {
  if (!(intrinsic_dimension > 0.0)) {
    throw std::invalid_argument("knn_entropy: the intrinsic dimension d must be > 0 (points in R^D with D >= 2)");
  }
  const double d = intrinsic_dimension;
  const double clipped = std::max(distance_sum, kSumFloor);
  return (d / kGamma) * (std::log(clipped) - ((d - kGamma) / d) * std::log(static_cast<double>(count)));
}

std::vector<double> knn_entropies(std::span<const double> distances, std::int64_t count, double intrinsic_dimension,
                                  std::span<const std::int64_t> ks, DistanceKind kind) {
  if (!(intrinsic_dimension > 0.0)) {
    throw std::invalid_argument("knn_entropy: the intrinsic dimension d must be > 0 (points in R^D with D >= 2)");
  }
  auto values = knn_distance_sums(distances, count, ks, kind);
  for (auto& value : values) value = knn_entropy_from_sum(value, count, intrinsic_dimension);
  return values;
}

}  // namespace thermo
