// Pairwise squared distances: float64 accuracy on float32 rows only 1e-6 apart (a trajectory
// of small SGD steps), exact zeros for identical rows, symmetry.
#include "conformance_support.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace thermo::conformance {
namespace {

constexpr double kRelativeTolerance = 1e-12;

// Brute force: Σ (x_i − x_j)² over float64 differences of the float32 values.
std::vector<double> brute_force(const std::vector<float>& rows, std::int64_t count, std::int64_t dim) {
  std::vector<double> distances(static_cast<std::size_t>(count * count), 0.0);
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t j = 0; j < count; ++j) {
      double sum = 0.0;
      for (std::int64_t k = 0; k < dim; ++k) {
        const double difference = static_cast<double>(rows[static_cast<std::size_t>(i * dim + k)]) -
                                  static_cast<double>(rows[static_cast<std::size_t>(j * dim + k)]);
        sum += difference * difference;
      }
      distances[static_cast<std::size_t>(i * count + j)] = sum;
    }
  }
  return distances;
}

// A random walk near the unit sphere: steps of norm `step` from a random unit row, plus a
// steady drift of norm `drift` per step along one direction (a spread much larger than the
// distance between neighbours: the case where a Gram matrix cancels).
std::vector<float> random_walk(Random& random, std::int64_t count, std::int64_t dim, double step, double drift = 0.0) {
  std::vector<double> position = random.normal(static_cast<std::size_t>(dim));
  double norm = 0.0;
  for (const double value : position) norm += value * value;
  for (auto& value : position) value /= std::sqrt(norm);
  const auto heading = random.normal(static_cast<std::size_t>(dim), 1.0 / std::sqrt(static_cast<double>(dim)));
  std::vector<float> rows;
  for (std::int64_t row = 0; row < count; ++row) {
    rows.insert(rows.end(), position.begin(), position.end());
    const auto direction = random.normal(static_cast<std::size_t>(dim), 1.0 / std::sqrt(static_cast<double>(dim)));
    for (std::size_t k = 0; k < position.size(); ++k) position[k] += step * direction[k] + drift * heading[k];
  }
  return rows;
}

void check_distances(Backend& backend, const std::vector<float>& rows, std::int64_t count, std::int64_t dim) {
  const auto expected = brute_force(rows, count, dim);
  auto buffer = backend.allocate(rows.size(), DType::f32);
  backend.upload(rows.data(), buffer->view());
  std::vector<double> got(static_cast<std::size_t>(count * count), -1.0);
  backend.pairwise_squared_distances(buffer->view(), count, dim, got);
  double worst = 0.0;
  std::size_t worst_index = 0;
  int exact_zero_failures = 0;
  int asymmetric = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t j = 0; j < count; ++j) {
      const auto at = static_cast<std::size_t>(i * count + j);
      if (got[at] != got[static_cast<std::size_t>(j * count + i)]) ++asymmetric;
      if (expected[at] == 0.0) {
        if (got[at] != 0.0) ++exact_zero_failures;
        continue;
      }
      const double error = std::abs(got[at] - expected[at]) / expected[at];
      if (!(error <= worst)) {
        worst = error;
        worst_index = at;
      }
    }
  }
  CHECK_MESSAGE(exact_zero_failures == 0, exact_zero_failures << " distances of identical rows are not exactly 0");
  CHECK_MESSAGE(asymmetric == 0, asymmetric << " entries differ from their transpose");
  CHECK_MESSAGE(worst <= kRelativeTolerance, "worst relative error "
                                                 << worst << " at (" << worst_index / static_cast<std::size_t>(count)
                                                 << ", " << worst_index % static_cast<std::size_t>(count) << "): got "
                                                 << got[worst_index] << ", expected " << expected[worst_index]);
}

TEST_CASE("pairwise distances: float64 accuracy on a trajectory of steps of 1e-6") {
  Random random(71);
  const auto long_rows = random_walk(random, 50, 3001, 1e-6);   // more columns than one block of most kernels
  const auto wide_rows = random_walk(random, 12, 24408, 1e-6);  // ConvNet(8)'s dimension
  const auto drifting_rows = random_walk(random, 60, 2500, 1e-6, 1e-3);
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    {
      INFO("60 rows of 2500 drifting by 1e-3 per step");
      check_distances(*named.backend, drifting_rows, 60, 2500);
    }
    {
      INFO("50 rows of 3001");
      check_distances(*named.backend, long_rows, 50, 3001);
    }
    {
      INFO("12 rows of 24408");
      check_distances(*named.backend, wide_rows, 12, 24408);
    }
  }
}

TEST_CASE("pairwise distances: identical rows give exactly 0, unrelated rows are accurate") {
  Random random(72);
  const std::int64_t count = 33;
  const std::int64_t dim = 100;
  const auto values = random.normal(static_cast<std::size_t>(count * dim));
  std::vector<float> rows(values.begin(), values.end());
  auto copy_row = [&](std::int64_t from, std::int64_t to) {
    std::copy_n(rows.begin() + from * dim, dim, rows.begin() + to * dim);
  };
  copy_row(3, 17);
  copy_row(4, 5);
  copy_row(4, 6);
  copy_row(4, 32);
  // Pairs 1e-6 apart among rows far apart from each other: a centred Gram matrix alone would
  // lose all digits of these distances.
  std::vector<float> near_pairs;
  for (int pair = 0; pair < 12; ++pair) {
    const auto base = random.normal(static_cast<std::size_t>(dim));
    const auto nudge = random.normal(static_cast<std::size_t>(dim), 1e-6 / std::sqrt(static_cast<double>(dim)));
    near_pairs.insert(near_pairs.end(), base.begin(), base.end());
    for (std::size_t k = 0; k < base.size(); ++k) near_pairs.push_back(static_cast<float>(base[k] + nudge[k]));
  }
  auto trajectory = random_walk(random, 20, 500, 1e-6);
  std::copy_n(trajectory.begin(), 500, trajectory.begin() + 500 * 7);  // a revisited point
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    check_distances(*named.backend, rows, count, dim);
    check_distances(*named.backend, near_pairs, 24, dim);
    check_distances(*named.backend, trajectory, 20, 500);
    check_distances(*named.backend, std::vector<float>(5 * 4, 0.25F), 5, 4);  // all rows equal
    check_distances(*named.backend, std::vector<float>{1.0F, 2.0F, 3.0F}, 1, 3);
  }
}

}  // namespace
}  // namespace thermo::conformance
