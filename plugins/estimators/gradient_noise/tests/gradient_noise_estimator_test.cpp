// The gradient_noise estimator on the cpu backend with a least-squares model whose per-sample
// gradients are known: its statistics against the SDK's host computation on the same gradients,
// the exhaustive (toy) mode with per-sample norms and the OP SNR identity, the stochastic entropy,
// the batches it draws, its random stream across a state round trip, and the plugin's schema.
#include "../gradient_noise_estimator.hpp"
#include "least_squares_model.hpp"
#include "plugins_for_tests.hpp"

#include <thermo/error.hpp>
#include <thermo/gradient_statistics.hpp>
#include <thermo/knn_entropy.hpp>
#include <thermo/rng.hpp>
#include <thermo/state.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {
using thermo::DType;
using thermo::gradient_noise::GradientNoiseEstimator;
using thermo::gradient_noise::Settings;
using thermo::testing::LeastSquaresProblem;
using thermo::testing::LeastSquaresResources;

thermo::Backend& backend() {
  static auto instance = thermo::testing::make_backend("cpu");
  return *instance;
}

LeastSquaresProblem random_problem(std::size_t samples, std::size_t dimension, std::uint64_t seed) {
  thermo::Rng rng(seed, "problem");
  LeastSquaresProblem problem;
  for (std::size_t j = 0; j < samples; ++j) {
    std::vector<double> row(dimension);
    for (auto& value : row) value = rng.normal();
    problem.a.push_back(row);
    problem.b.push_back(rng.normal());
  }
  return problem;
}

std::vector<double> unit_vector(std::size_t dimension, std::uint64_t seed) {
  thermo::Rng rng(seed, "weights");
  std::vector<double> w(dimension);
  double squared = 0.0;
  for (auto& value : w) {
    value = rng.normal();
    squared += value * value;
  }
  for (auto& value : w) value /= std::sqrt(squared);
  return w;
}

double norm(const std::vector<double>& v) {
  double squared = 0.0;
  for (double value : v) squared += value * value;
  return std::sqrt(squared);
}

// The full gradient (all parameters: the SI part, then 0 for the frozen head) in backend memory.
std::unique_ptr<thermo::DeviceBuffer> full_gradient_buffer(const std::vector<double>& si_gradient, DType dtype) {
  auto values = si_gradient;
  values.push_back(0.0);
  auto buffer = backend().allocate(values.size(), dtype);
  thermo::testing::upload_values(backend(), values, buffer->view());
  return buffer;
}

// Brute-force S_k (docs/method.md §6) of the points lr·g_i in float64.
std::vector<double> brute_entropy(const std::vector<std::vector<double>>& gradients, double lr,
                                  const std::vector<std::int64_t>& ks) {
  const std::size_t n = gradients.size();
  const double d = static_cast<double>(gradients.front().size()) - 1.0;
  std::vector<double> result;
  for (auto k : ks) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> row;
      for (std::size_t j = 0; j < n; ++j) {
        double squared = 0.0;
        for (std::size_t m = 0; m < gradients[i].size(); ++m) {
          const double difference = lr * (gradients[i][m] - gradients[j][m]);
          squared += difference * difference;
        }
        row.push_back(std::sqrt(squared));
      }
      std::sort(row.begin(), row.end());
      for (std::size_t m = 0; m < std::min<std::size_t>(static_cast<std::size_t>(k) + 1, n); ++m) sum += row[m];
    }
    result.push_back(d * (std::log(std::max(sum, 1e-8)) - ((d - 1.0) / d) * std::log(static_cast<double>(n))));
  }
  return result;
}

void check_statistics(const std::vector<double>& values, const thermo::GradientNoiseStatistics& expected,
                      double relative) {
  const double numbers[] = {expected.full_grad_norm,
                            expected.stoch_grad_rms,
                            expected.snr,
                            expected.noise_mean_norm,
                            expected.snr_old,
                            expected.stoch_grad_mean_norm,
                            expected.stoch_grad_mean_norm_squared};
  for (std::size_t q = 0; q < std::size(numbers); ++q) {
    CAPTURE(q);
    CHECK(values[q] == doctest::Approx(numbers[q]).epsilon(relative));
  }
}

std::vector<double> measure(GradientNoiseEstimator& estimator, const thermo::DeviceBuffer& full, double lr) {
  std::vector<double> values(estimator.columns().size());
  thermo::LogContext context;
  context.iteration = 100;
  context.learning_rate = lr;
  context.full_gradient = full.view();
  estimator.measure(context, values);
  return values;
}
}  // namespace

TEST_CASE("gradient_noise, exhaustive on three samples (f64 model): statistics, per-sample norms, entropy") {
  const auto problem = random_problem(3, 3, 1);
  LeastSquaresResources resources(backend(), problem, DType::f64, unit_vector(3, 2), 1.0);
  auto& model = static_cast<thermo::testing::LeastSquaresModel&>(resources.model());
  const thermo::TrainSettings train;
  const thermo::EstimatorContext context{backend(), model, resources.data(), train, 7};
  Settings settings;
  settings.ks = {1, 2};
  settings.exhaustive = true;
  GradientNoiseEstimator estimator(context, settings);
  CHECK(estimator.columns() ==
        std::vector<std::string>{"full_grad_norm", "stoch_grad_rms", "snr", "noise_mean_norm", "snr_old",
                                 "stoch_grad_mean_norm", "stoch_grad_mean_norm_squared", "stoch_entropy_k1",
                                 "stoch_entropy_k2", "sample_grad_norm_1", "sample_grad_norm_2", "sample_grad_norm_3"});

  const auto w = model.weights();
  std::vector<std::vector<double>> gradients;
  for (std::size_t j = 0; j < 3; ++j) gradients.push_back(problem.sample_gradient(j, w));
  const auto full_si = problem.full_gradient(w);
  const auto full = full_gradient_buffer(full_si, DType::f64);
  const double lr = 0.3;
  const auto values = measure(estimator, *full, lr);

  check_statistics(values, thermo::gradient_noise_statistics(full_si, gradients), 1e-12);
  for (std::size_t j = 0; j < 3; ++j) CHECK(values[9 + j] == doctest::Approx(norm(gradients[j])).epsilon(1e-12));
  // The points are stored as float32 (relative rounding 6e-8): S_k = d·ln s_k moves by ~d·1e-7.
  const auto entropy = brute_entropy(gradients, lr, {1, 2});
  CHECK(values[7] == doctest::Approx(entropy[0]).epsilon(1e-5));
  CHECK(values[8] == doctest::Approx(entropy[1]).epsilon(1e-5));
  CHECK(model.training_gradient_passes == 3);
  CHECK(model.other_passes == 0);
}

TEST_CASE("gradient_noise, exhaustive on the OP pair: snr = ‖g1 + g2‖ / ‖g1 − g2‖") {
  // docs/method.md §8's OP SNR. With the full gradient ḡ = (g1 + g2)/2, g_i − ḡ = ±(g1 − g2)/2, so
  // stoch_grad_rms = ‖g1 − g2‖/2 and snr = ‖ḡ‖/stoch_grad_rms = ‖g1 + g2‖/‖g1 − g2‖.
  const double half_root3 = std::sqrt(3.0) / 2.0;
  const LeastSquaresProblem problem{{{half_root3, 0.5, 0.0}, {half_root3, -0.5, 0.0}}, {0.1, -0.2}};
  LeastSquaresResources resources(backend(), problem, DType::f64, unit_vector(3, 5), 1.0);
  const thermo::TrainSettings train;
  const thermo::EstimatorContext context{backend(), resources.model(), resources.data(), train, 3};
  Settings settings;
  settings.ks = {};
  settings.exhaustive = true;
  GradientNoiseEstimator estimator(context, settings);
  CHECK(estimator.columns().size() == 7 + 2);

  const auto w = static_cast<thermo::testing::LeastSquaresModel&>(resources.model()).weights();
  const auto g1 = problem.sample_gradient(0, w), g2 = problem.sample_gradient(1, w);
  std::vector<double> sum(3), difference(3);
  for (std::size_t m = 0; m < 3; ++m) {
    sum[m] = g1[m] + g2[m];
    difference[m] = g1[m] - g2[m];
  }
  const auto full = full_gradient_buffer(problem.full_gradient(w), DType::f64);
  const auto values = measure(estimator, *full, 0.1);
  CHECK(values[2] == doctest::Approx(norm(sum) / norm(difference)).epsilon(1e-12));
  CHECK(values[7] == doctest::Approx(norm(g1)).epsilon(1e-12));
  CHECK(values[8] == doctest::Approx(norm(g2)).epsilon(1e-12));
}

TEST_CASE("gradient_noise, random batches (f32 model, f64 full gradient): the batches of its stream") {
  const std::size_t samples = 7, dimension = 5;
  const auto problem = random_problem(samples, dimension, 11);
  LeastSquaresResources resources(backend(), problem, DType::f32, unit_vector(dimension, 12), 1.0);
  auto& model = static_cast<thermo::testing::LeastSquaresModel&>(resources.model());
  thermo::TrainSettings train;
  train.batch_size = 3;  // batch_size: null takes this one
  const std::uint64_t seed = 99;
  const thermo::EstimatorContext context{backend(), model, resources.data(), train, seed};
  Settings settings;
  settings.samples = 40;
  settings.ks = {1, 5, 39};
  GradientNoiseEstimator estimator(context, settings);

  // Replay the estimator's draws: 40 batches of 3 indices with replacement from Rng(seed, "gradient_noise").
  const auto w = model.weights();
  thermo::Rng rng(seed, "gradient_noise");
  std::vector<std::vector<double>> gradients;
  for (int i = 0; i < 40; ++i) {
    std::vector<double> mean(dimension, 0.0);
    for (int b = 0; b < 3; ++b) {
      const auto gradient = problem.sample_gradient(rng.uniform_index(samples), w);
      for (std::size_t m = 0; m < dimension; ++m) mean[m] += gradient[m] / 3.0;
    }
    for (auto& value : mean) value = static_cast<double>(static_cast<float>(value));  // the model's f32 gradient
    gradients.push_back(mean);
  }
  const auto full_si = problem.full_gradient(w);
  const auto full = full_gradient_buffer(full_si, DType::f64);
  const double lr = 0.05;
  const auto values = measure(estimator, *full, lr);
  // g_i − g is formed in float32 (the model's dtype): relative rounding ~1e-7 of each difference.
  check_statistics(values, thermo::gradient_noise_statistics(full_si, gradients), 1e-6);
  const auto entropy = brute_entropy(gradients, lr, {1, 5, 39});
  for (std::size_t q = 0; q < 3; ++q) CHECK(values[7 + q] == doctest::Approx(entropy[q]).epsilon(1e-5));
  CHECK(model.training_gradient_passes == 40);
}

TEST_CASE("gradient_noise: the stream continues across log points and across a state round trip") {
  const auto problem = random_problem(9, 4, 21);
  LeastSquaresResources resources(backend(), problem, DType::f64, unit_vector(4, 22), 1.0);
  const thermo::TrainSettings train;
  const thermo::EstimatorContext context{backend(), resources.model(), resources.data(), train, 5};
  Settings settings;
  settings.samples = 6;
  settings.batch_size = 2;
  settings.ks = {1};
  const auto full = full_gradient_buffer(
      problem.full_gradient(static_cast<thermo::testing::LeastSquaresModel&>(resources.model()).weights()), DType::f64);

  GradientNoiseEstimator first(context, settings);
  const auto values_1 = measure(first, *full, 0.1);
  const auto values_2 = measure(first, *full, 0.1);
  CHECK(values_1[1] != values_2[1]);  // fresh batches each time

  GradientNoiseEstimator replay(context, settings);
  CHECK(measure(replay, *full, 0.1) == values_1);
  thermo::StateArchive archive;
  replay.save_state(archive, "estimators.1.");
  GradientNoiseEstimator resumed(context, settings);
  resumed.load_state(archive, "estimators.1.");
  CHECK(measure(resumed, *full, 0.1) == values_2);
}

TEST_CASE("gradient_noise: settings a run cannot use are refused") {
  const auto problem = random_problem(4, 3, 31);
  LeastSquaresResources resources(backend(), problem, DType::f64, unit_vector(3, 32), 1.0);
  const thermo::TrainSettings train;
  Settings settings;
  settings.ks = {1};
  const thermo::EstimatorContext no_data{backend(), resources.model(), nullptr, train, 1};
  CHECK_THROWS_AS(GradientNoiseEstimator(no_data, settings), thermo::UserError);

  const thermo::EstimatorContext context{backend(), resources.model(), resources.data(), train, 1};
  Settings exhaustive = settings;
  exhaustive.exhaustive = true;
  exhaustive.batch_size = 2;
  CHECK_THROWS_AS(GradientNoiseEstimator(context, exhaustive), thermo::UserError);
  Settings single = settings;
  single.samples = 1;
  CHECK_THROWS_AS(GradientNoiseEstimator(context, single), thermo::UserError);
  single.ks = {};
  CHECK_NOTHROW(GradientNoiseEstimator(context, single));
}

TEST_CASE("gradient_noise plugin: schema defaults and its columns") {
  const auto& plugin =
      thermo::testing::load_plugin<thermo::EstimatorPlugin>(thermo::PluginKind::estimator, "gradient_noise");
  const auto schema = plugin.schema();
  REQUIRE(schema.find("batch_size") != nullptr);
  CHECK(schema.find("batch_size")->nullable);
  CHECK(std::get<std::int64_t>(*schema.find("samples")->default_value) == 1000);
  CHECK(std::get<bool>(*schema.find("exhaustive")->default_value) == false);

  const auto problem = random_problem(20, 3, 41);
  LeastSquaresResources resources(backend(), problem, DType::f32, unit_vector(3, 42), 1.0);
  const thermo::TrainSettings train;
  const thermo::EstimatorContext context{backend(), resources.model(), resources.data(), train, 1};
  const auto estimator = plugin.create(thermo::testing::params_with(schema), context);
  const auto columns = estimator->columns();
  REQUIRE(columns.size() == 17);
  CHECK(columns[12] == "stoch_entropy_k50");
  // Exhaustive on 20 samples: more than 16, so no per-sample columns.
  const auto exhaustive = plugin.create(
      thermo::testing::params_with(schema, {{"exhaustive", true}, {"ks", std::vector<std::int64_t>{}}}), context);
  CHECK(exhaustive->columns().size() == 7);
  CHECK_THROWS_AS(
      (void)plugin.create(thermo::testing::params_with(schema, {{"ks", std::vector<std::int64_t>{2, 2}}}), context),
      thermo::UserError);
}
