// The knn_entropy estimator on the cpu backend: its queue (NaN until full, restart on a gap, ring
// wrap-around, order invariance), its values against the brute-force float64 estimator of the
// float32 iterates, state round trips, and the plugin's schema.
#include "../knn_entropy_estimator.hpp"
#include "least_squares_model.hpp"
#include "plugins_for_tests.hpp"

#include <thermo/error.hpp>
#include <thermo/knn_entropy.hpp>
#include <thermo/rng.hpp>
#include <thermo/state.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace {
using thermo::knn_entropy::KnnEntropyEstimator;

const std::vector<std::int64_t> kKs{1, 2, 3, 4, 10};

thermo::Backend& backend() {
  static auto instance = thermo::testing::make_backend("cpu");
  return *instance;
}

// The iterate of `iteration`: a deterministic point of the unit sphere in R^D, as float32.
std::vector<float> iterate(std::int64_t iteration, std::size_t dimension) {
  thermo::Rng rng(static_cast<std::uint64_t>(iteration), "iterate");
  std::vector<double> point(dimension);
  double squared = 0.0;
  for (auto& value : point) {
    value = rng.normal();
    squared += value * value;
  }
  std::vector<float> narrow(dimension);
  for (std::size_t m = 0; m < dimension; ++m) narrow[m] = static_cast<float>(point[m] / std::sqrt(squared));
  return narrow;
}

// docs/method.md §6 in float64 on the float32 iterates first..last: direct differences, full sorts.
std::vector<double> expected_entropy(std::int64_t first, std::int64_t last, std::size_t dimension) {
  std::vector<std::vector<float>> points;
  for (auto t = first; t <= last; ++t) points.push_back(iterate(t, dimension));
  const std::size_t n = points.size();
  std::vector<double> result;
  for (auto k : kKs) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> row;
      for (std::size_t j = 0; j < n; ++j) {
        double squared = 0.0;
        for (std::size_t m = 0; m < dimension; ++m) {
          const double difference = static_cast<double>(points[i][m]) - static_cast<double>(points[j][m]);
          squared += difference * difference;
        }
        row.push_back(std::sqrt(squared));
      }
      std::sort(row.begin(), row.end());
      for (std::size_t m = 0; m < std::min<std::size_t>(static_cast<std::size_t>(k) + 1, n); ++m) sum += row[m];
    }
    const double d = static_cast<double>(dimension) - 1.0;
    result.push_back(d * (std::log(std::max(sum, 1e-8)) - ((d - 1.0) / d) * std::log(static_cast<double>(n))));
  }
  return result;
}

struct Observer {
  thermo::Backend& backend;
  std::size_t dimension;
  std::unique_ptr<thermo::DeviceBuffer> buffer;

  Observer(thermo::Backend& backend_, std::size_t dimension_)
      : backend(backend_), dimension(dimension_), buffer(backend_.allocate(dimension_, thermo::DType::f32)) {}

  void operator()(KnnEntropyEstimator& estimator, std::int64_t iteration) {
    const auto point = iterate(iteration, dimension);
    backend.upload(point.data(), buffer->view());
    estimator.observe(iteration, buffer->view());
  }
};

std::vector<double> measure(KnnEntropyEstimator& estimator, std::int64_t iteration) {
  std::vector<double> values(kKs.size());
  thermo::LogContext context;
  context.iteration = iteration;
  estimator.measure(context, values);
  return values;
}

void check_matches(const std::vector<double>& actual, const std::vector<double>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t q = 0; q < actual.size(); ++q) {
    CAPTURE(q);
    CHECK(std::abs(actual[q] - expected[q]) <= 1e-9 * std::max(1.0, std::abs(expected[q])));
  }
}

bool all_nan(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(), [](double value) { return std::isnan(value); });
}
}  // namespace

TEST_CASE("knn_entropy: NaN until N consecutive iterates, then the entropy of exactly those") {
  const std::size_t dimension = 6;
  KnnEntropyEstimator estimator(backend(), {5, kKs});
  CHECK(estimator.columns() ==
        std::vector<std::string>{"entropy_k1", "entropy_k2", "entropy_k3", "entropy_k4", "entropy_k10"});
  CHECK(estimator.history_length() == 5);
  Observer observe(backend(), dimension);
  CHECK(all_nan(measure(estimator, 0)));
  for (std::int64_t t = 1; t <= 4; ++t) observe(estimator, t);
  CHECK(estimator.filled() == 4);
  CHECK(all_nan(measure(estimator, 4)));
  observe(estimator, 5);
  check_matches(measure(estimator, 5), expected_entropy(1, 5, dimension));
  // A log point the queue does not end at gets NaN.
  CHECK(all_nan(measure(estimator, 6)));
}

TEST_CASE("knn_entropy: the ring keeps the last N iterates in any slot order") {
  const std::size_t dimension = 4;
  KnnEntropyEstimator estimator(backend(), {5, kKs});
  Observer observe(backend(), dimension);
  for (std::int64_t t = 1; t <= 13; ++t) observe(estimator, t);  // wraps around twice and a bit
  CHECK(estimator.filled() == 5);
  check_matches(measure(estimator, 13), expected_entropy(9, 13, dimension));
}

TEST_CASE("knn_entropy: a gap in the observed iterations restarts the queue") {
  const std::size_t dimension = 3;
  KnnEntropyEstimator estimator(backend(), {4, kKs});
  Observer observe(backend(), dimension);
  for (std::int64_t t = 1; t <= 6; ++t) observe(estimator, t);
  check_matches(measure(estimator, 6), expected_entropy(3, 6, dimension));
  // The engine skips to the window before the next log point (here 20): 17, 18, 19, 20.
  observe(estimator, 17);
  CHECK(estimator.filled() == 1);
  observe(estimator, 18);
  observe(estimator, 19);
  CHECK(all_nan(measure(estimator, 19)));
  observe(estimator, 20);
  check_matches(measure(estimator, 20), expected_entropy(17, 20, dimension));
  // Observing the same iteration again (a resumed run replaying a step) is a gap too.
  observe(estimator, 20);
  CHECK(estimator.filled() == 1);
}

TEST_CASE("knn_entropy: float64 parameters are stored as float32") {
  const std::size_t dimension = 5;
  KnnEntropyEstimator estimator(backend(), {6, kKs});
  auto buffer = backend().allocate(dimension, thermo::DType::f64);
  for (std::int64_t t = 1; t <= 6; ++t) {
    const auto point = iterate(t, dimension);
    const std::vector<double> wide(point.begin(), point.end());
    backend().upload(wide.data(), buffer->view());
    estimator.observe(t, buffer->view());
  }
  check_matches(measure(estimator, 6), expected_entropy(1, 6, dimension));
}

TEST_CASE("knn_entropy: save_state and load_state carry the queue and its position") {
  const std::size_t dimension = 7;
  KnnEntropyEstimator first(backend(), {5, kKs});
  Observer observe(backend(), dimension);
  for (std::int64_t t = 1; t <= 8; ++t) observe(first, t);
  thermo::StateArchive archive;
  first.save_state(archive, "estimators.0.");

  KnnEntropyEstimator second(backend(), {5, kKs});
  second.load_state(archive, "estimators.0.");
  CHECK(second.filled() == 5);
  check_matches(measure(second, 8), expected_entropy(4, 8, dimension));
  observe(second, 9);  // continues the ring where the first left it
  check_matches(measure(second, 9), expected_entropy(5, 9, dimension));

  KnnEntropyEstimator other_queue(backend(), {6, kKs});
  CHECK_THROWS_AS(other_queue.load_state(archive, "estimators.0."), thermo::UserError);

  KnnEntropyEstimator empty(backend(), {5, kKs});
  thermo::StateArchive nothing;
  empty.save_state(nothing, "e.");
  KnnEntropyEstimator restored(backend(), {5, kKs});
  restored.load_state(nothing, "e.");
  CHECK(restored.filled() == 0);
}

TEST_CASE("knn_entropy plugin: schema defaults, duplicate ks refused, one SI parameter refused") {
  const auto& plugin =
      thermo::testing::load_plugin<thermo::EstimatorPlugin>(thermo::PluginKind::estimator, "knn_entropy");
  const auto schema = plugin.schema();
  REQUIRE(schema.find("queue") != nullptr);
  CHECK(std::get<std::int64_t>(*schema.find("queue")->default_value) == 1000);
  CHECK(std::get<std::vector<std::int64_t>>(*schema.find("ks")->default_value) == thermo::default_entropy_ks());

  thermo::testing::LeastSquaresProblem problem{{{1.0, 0.0}, {0.0, 1.0}}, {0.0, 0.0}};
  thermo::testing::LeastSquaresResources resources(backend(), problem, thermo::DType::f32, {0.6, 0.8}, 1.0);
  const thermo::TrainSettings train;
  const thermo::EstimatorContext context{backend(), resources.model(), resources.data(), train, 1};
  const auto estimator = plugin.create(thermo::testing::params_with(schema), context);
  CHECK(estimator->columns().size() == 10);
  CHECK(estimator->columns()[5] == "entropy_k50");
  CHECK(estimator->history_length() == 1000);
  CHECK_THROWS_AS(
      (void)plugin.create(thermo::testing::params_with(schema, {{"ks", std::vector<std::int64_t>{5, 1, 5}}}), context),
      thermo::UserError);

  KnnEntropyEstimator line(backend(), {3, kKs});
  auto one = backend().allocate(1, thermo::DType::f32);
  CHECK_THROWS_AS(line.observe(1, one->view()), thermo::UserError);
}
