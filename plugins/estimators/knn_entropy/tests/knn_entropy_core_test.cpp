// The SDK's kNN entropy (thermo/knn_entropy.hpp) against a brute-force float64 implementation of
// docs/method.md §6: full distance matrix from coordinate differences, every row fully sorted.
#include <thermo/knn_entropy.hpp>
#include <thermo/rng.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace {
using Points = std::vector<std::vector<double>>;

Points random_points(std::size_t count, std::size_t dimension, thermo::Rng& rng) {
  Points points(count, std::vector<double>(dimension));
  for (auto& point : points) {
    for (auto& value : point) value = rng.normal();
  }
  return points;
}

std::vector<double> brute_distances(const Points& points) {
  const std::size_t n = points.size();
  std::vector<double> distances(n * n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double squared = 0.0;
      for (std::size_t m = 0; m < points[i].size(); ++m) {
        const double difference = points[i][m] - points[j][m];
        squared += difference * difference;
      }
      distances[i * n + j] = std::sqrt(squared);
    }
  }
  return distances;
}

// docs/method.md §6 written out as plainly as possible.
std::vector<double> brute_entropy(const Points& points, double d, const std::vector<std::int64_t>& ks) {
  const std::size_t n = points.size();
  const auto distances = brute_distances(points);
  std::vector<double> entropies;
  for (auto k : ks) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> row(distances.begin() + static_cast<std::ptrdiff_t>(i * n),
                              distances.begin() + static_cast<std::ptrdiff_t>((i + 1) * n));
      std::sort(row.begin(), row.end());
      for (std::size_t m = 0; m < std::min<std::size_t>(static_cast<std::size_t>(k) + 1, n); ++m) sum += row[m];
    }
    sum = std::max(sum, 1e-8);
    entropies.push_back(d * (std::log(sum) - ((d - 1.0) / d) * std::log(static_cast<double>(n))));
  }
  return entropies;
}

std::vector<double> squared(std::vector<double> distances) {
  for (auto& value : distances) value *= value;
  return distances;
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double relative) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t q = 0; q < actual.size(); ++q) {
    CAPTURE(q);
    CHECK(std::abs(actual[q] - expected[q]) <= relative * std::max(1.0, std::abs(expected[q])));
  }
}

const std::vector<std::int64_t> kAllKs{1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 200, 500, 1000};
}  // namespace

TEST_CASE("kNN entropy matches the brute-force float64 estimator for every k") {
  thermo::Rng rng(11, "knn brute");
  for (std::size_t dimension : {2U, 3U, 7U}) {
    for (std::size_t count : {1U, 2U, 3U, 4U, 6U, 37U, 120U}) {
      CAPTURE(dimension);
      CAPTURE(count);
      const auto points = random_points(count, dimension, rng);
      const double d = static_cast<double>(dimension) - 1.0;
      const auto expected = brute_entropy(points, d, kAllKs);
      const auto distances = brute_distances(points);
      const auto n = static_cast<std::int64_t>(count);
      check_close(thermo::knn_entropies(distances, n, d, kAllKs), expected, 1e-9);
      check_close(thermo::knn_entropies(squared(distances), n, d, kAllKs, thermo::DistanceKind::squared), expected,
                  1e-9);
    }
  }
}

TEST_CASE("kNN entropy: k + 1 > N takes the whole row, and the sums are what docs/method.md §6 says") {
  // Three points on a line: 0, 1, 3. Rows sorted: {0,1,3}, {0,1,2}, {0,2,3}.
  const std::vector<double> distances{0, 1, 3, 1, 0, 2, 3, 2, 0};
  const std::vector<std::int64_t> ks{1, 2, 5};
  const auto sums = thermo::knn_distance_sums(distances, 3, ks);
  CHECK(sums[0] == 1.0 + 1.0 + 2.0);
  CHECK(sums[1] == 4.0 + 3.0 + 5.0);  // every row whole
  CHECK(sums[2] == sums[1]);
  const double d = 2.0;
  CHECK(thermo::knn_entropies(distances, 3, d, ks)[0] ==
        doctest::Approx(d * (std::log(4.0) - 0.5 * std::log(3.0))).epsilon(1e-15));
}

TEST_CASE("kNN entropy with duplicate points: zero distances and the 1e-8 clip") {
  thermo::Rng rng(5, "knn duplicates");
  auto points = random_points(10, 3, rng);
  points[3] = points[7];
  points[4] = points[7];
  points.push_back(points[0]);
  const auto distances = brute_distances(points);
  const auto n = static_cast<std::int64_t>(points.size());
  check_close(thermo::knn_entropies(distances, n, 2.0, kAllKs), brute_entropy(points, 2.0, kAllKs), 1e-9);

  // All points equal: every sum is 0 and is clipped to 1e-8.
  const Points same(5, std::vector<double>{0.3, -0.1, 0.9});
  const auto zero = brute_distances(same);
  const double d = 2.0;
  const double expected = d * (std::log(1e-8) - ((d - 1.0) / d) * std::log(5.0));
  for (double value : thermo::knn_entropies(zero, 5, d, kAllKs))
    CHECK(value == doctest::Approx(expected).epsilon(1e-15));
  // Round-off may leave tiny negative squared distances: clamped to 0, never NaN.
  std::vector<double> slightly_negative(25, -1e-18);
  for (double value : thermo::knn_entropies(slightly_negative, 5, d, kAllKs, thermo::DistanceKind::squared)) {
    CHECK(value == doctest::Approx(expected).epsilon(1e-15));
  }
}

TEST_CASE("kNN entropy does not depend on the order of the points") {
  thermo::Rng rng(3, "knn order");
  auto points = random_points(60, 4, rng);
  const auto before = thermo::knn_entropies(brute_distances(points), 60, 3.0, kAllKs);
  std::reverse(points.begin(), points.end());
  std::rotate(points.begin(), points.begin() + 17, points.end());
  for (std::size_t i = 0; i + 1 < points.size(); i += 2) std::swap(points[i], points[i + 1]);
  check_close(thermo::knn_entropies(brute_distances(points), 60, 3.0, kAllKs), before, 1e-12);
}

TEST_CASE("kNN entropy is invariant under a rotation of all points") {
  thermo::Rng rng(9, "knn rotation");
  const std::size_t dimension = 5;
  // A random orthogonal matrix: Gram-Schmidt on Gaussian columns.
  std::vector<std::vector<double>> basis = random_points(dimension, dimension, rng);
  for (std::size_t a = 0; a < dimension; ++a) {
    for (std::size_t b = 0; b < a; ++b) {
      double projection = 0.0;
      for (std::size_t m = 0; m < dimension; ++m) projection += basis[a][m] * basis[b][m];
      for (std::size_t m = 0; m < dimension; ++m) basis[a][m] -= projection * basis[b][m];
    }
    double norm = 0.0;
    for (double value : basis[a]) norm += value * value;
    for (double& value : basis[a]) value /= std::sqrt(norm);
  }
  const auto points = random_points(80, dimension, rng);
  Points rotated(points.size(), std::vector<double>(dimension, 0.0));
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t a = 0; a < dimension; ++a) {
      for (std::size_t m = 0; m < dimension; ++m) rotated[i][a] += basis[a][m] * points[i][m];
    }
  }
  const auto original = thermo::knn_entropies(brute_distances(points), 80, 4.0, kAllKs);
  check_close(thermo::knn_entropies(brute_distances(rotated), 80, 4.0, kAllKs), original, 1e-12);
}

TEST_CASE("scaling every distance by a adds d·ln a") {
  // s_k is a sum of distances, so it is homogeneous of degree 1: s_k(a·D) = a·s_k(D), hence
  // ln s_k grows by ln a and S_k = d·ln s_k − (d − 1)·ln N by exactly d·ln a (as long as s_k stays
  // above the 1e-8 clip). With a a power of two the scaled sums are bit-exact in floating point,
  // so only the logarithms round (1e-13 relative of S_k); for a = 3 each addition rounds too.
  thermo::Rng rng(21, "knn scaling");
  const auto points = random_points(50, 3, rng);
  const auto distances = brute_distances(points);
  const double d = 2.0;
  const auto base = thermo::knn_entropies(distances, 50, d, kAllKs);
  for (double a : {4.0, 0.125, 3.0}) {
    CAPTURE(a);
    auto scaled = distances;
    for (auto& value : scaled) value *= a;
    const auto result = thermo::knn_entropies(scaled, 50, d, kAllKs);
    for (std::size_t q = 0; q < base.size(); ++q) {
      CHECK(std::abs(result[q] - (base[q] + d * std::log(a))) <= 1e-13 * std::max(1.0, std::abs(base[q])));
    }
  }
}

TEST_CASE("kNN entropy: NaN in, NaN out; bad arguments are refused") {
  std::vector<double> distances{0, 1, 1, 0};
  distances[1] = std::nan("");
  for (double value : thermo::knn_entropies(distances, 2, 1.0, kAllKs)) CHECK(std::isnan(value));
  const std::vector<double> good{0, 1, 1, 0};
  CHECK_THROWS_AS((void)thermo::knn_entropies(good, 3, 1.0, kAllKs), std::invalid_argument);
  CHECK_THROWS_AS((void)thermo::knn_entropies(good, 2, 0.0, kAllKs), std::invalid_argument);
  const std::vector<std::int64_t> zero_k{0};
  CHECK_THROWS_AS((void)thermo::knn_entropies(good, 2, 1.0, zero_k), std::invalid_argument);
  CHECK(thermo::default_entropy_ks() == std::vector<std::int64_t>{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000});
}
