// The temperature_decay stage on synthetic series with a known dU/dS.
#include "temperature_decay.hpp"
#include "analysis_test_support.hpp"
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <doctest/doctest.h>

#include <cmath>

namespace {

using thermo::MetricsTable;
using thermo::analysis_test::GeneratedRun;

void run_stage(const thermo::Experiment* experiment, const std::filesystem::path& dir,
               const std::map<std::string, thermo::ParamValue>& overrides) {
  const auto params = thermo::testing::params_with(thermo::temperature_decay::schema(), overrides);
  thermo::temperature_decay::TemperatureDecayAnalysis analysis(params);
  thermo::AnalysisContext context;
  context.experiment = experiment;
  context.analysis_dir = dir;
  analysis.run(context);
}

// iteration = 10·t for t = 0..rows−1, U and S given as functions of t.
template <class Energy, class Entropy>
MetricsTable series(int rows, Energy energy, Entropy entropy) {
  MetricsTable table({"iteration", "train_loss", "entropy_k50"});
  for (int t = 0; t < rows; ++t) table.add_row(std::vector<double>{10.0 * t, energy(t), entropy(t)});
  return table;
}

std::filesystem::path make_sweep(const std::string& name) {
  const auto dir = thermo::testing::scratch_dir(name);
  std::vector<GeneratedRun> runs;
  // Diverged at the smallest LR: never chosen.
  runs.push_back({"000-elr0.0005",
                  {{"optimizer.elr", 0.0005}},
                  "diverged",
                  series(
                      120, [](int) { return 1.0; }, [](int t) { return 1.0 * t; })});
  // U = t², S = t: T_t = ((t+2)² − (t−2)²)/4 = 2t.
  runs.push_back({"001-elr0.004",
                  {{"optimizer.elr", 0.004}},
                  "completed",
                  series(
                      120, [](int t) { return 1.0 * t * t; }, [](int t) { return 1.0 * t; })});
  // U = 3 + 0.5·t, S = −2·t: T = −0.25 everywhere.
  runs.push_back({"002-elr0.001",
                  {{"optimizer.elr", 0.001}},
                  "completed",
                  series(
                      120, [](int t) { return 3.0 + 0.5 * t; }, [](int t) { return -2.0 * t; })});
  // Only 5 log points: one value with offset 2.
  runs.push_back({"003-elr0.002",
                  {{"optimizer.elr", 0.002}},
                  "completed",
                  series(
                      5, [](int t) { return 1.0 * t * t * t; }, [](int t) { return 1.0 * t; })});
  thermo::analysis_test::write_sweep(dir, {{"optimizer", {{"elr", 0.1}}}}, {"optimizer.elr"}, runs);
  return dir;
}

}  // namespace

TEST_CASE("temperature_decay: centred differences over the last 100 log points, against iteration") {
  const auto dir = make_sweep("decay-sweep");
  const auto experiment = thermo::Experiment::open(dir);
  run_stage(&experiment, dir, {{"lr", 0.004}});
  const auto output = MetricsTable::read_csv(dir / "temperature_decay.csv");
  CHECK(output.columns() == std::vector<std::string>{"lr", "iteration", "T"});
  // The window is t = 20..119; T exists for t = 22..117: 96 values.
  REQUIRE(output.row_count() == 96);
  for (std::size_t k = 0; k < output.row_count(); ++k) {
    const double t = 22.0 + static_cast<double>(k);
    CHECK(output.column("lr")[k] == 0.004);
    CHECK(output.column("iteration")[k] == 10.0 * t);
    CHECK(output.column("T")[k] == doctest::Approx(2.0 * t));
  }
  const auto summary = nlohmann::json::parse(thermo::testing::read_file(dir / "temperature_decay.json"));
  CHECK(summary["points"] == 100);
  CHECK(summary["offset"] == 2);
  CHECK(summary["runs"][0]["label"] == "001-elr0.004");
  CHECK(summary["runs"][0]["values"] == 96);
  CHECK(summary["runs"][0]["first_iteration"] == 220.0);
  CHECK(summary["runs"][0]["last_iteration"] == 1170.0);
  CHECK(summary["skipped"][0]["label"] == "000-elr0.0005");
}

TEST_CASE("temperature_decay: by default the smallest completed LR; `count` adds the next ones") {
  const auto dir = make_sweep("decay-default");
  const auto experiment = thermo::Experiment::open(dir);
  run_stage(&experiment, dir, {{"points", std::int64_t{10}}, {"offset", std::int64_t{1}}});
  auto output = MetricsTable::read_csv(dir / "temperature_decay.csv");
  REQUIRE(output.row_count() == 8);
  for (std::size_t k = 0; k < 8; ++k) {
    CHECK(output.column("lr")[k] == 0.001);
    CHECK(output.column("T")[k] == doctest::Approx(-0.25));
    CHECK(output.column("iteration")[k] == 10.0 * (111 + static_cast<double>(k)));
  }
  run_stage(&experiment, dir, {{"count", std::int64_t{2}}});
  output = MetricsTable::read_csv(dir / "temperature_decay.csv");
  // LR 0.001: 96 values; LR 0.002: its 5 points give one value at t = 2, T = (4³ − 0³)/(4 − 0) = 16.
  REQUIRE(output.row_count() == 97);
  CHECK(output.column("lr")[96] == 0.002);
  CHECK(output.column("iteration")[96] == 20.0);
  CHECK(output.column("T")[96] == doctest::Approx(16.0));
}

TEST_CASE("temperature_decay: errors a user can fix") {
  const auto dir = make_sweep("decay-errors");
  const auto experiment = thermo::Experiment::open(dir);
  CHECK_THROWS_AS(run_stage(&experiment, dir, {{"lr", 0.003}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(&experiment, dir, {{"lr", 0.0005}}), thermo::UserError);  // diverged
  CHECK_THROWS_AS(run_stage(&experiment, dir, {{"entropy_column", std::string("entropy_k5")}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(nullptr, dir, {}), thermo::UserError);
}

TEST_CASE("temperature_decay: last_iteration ends the window at the last log point at or before it") {
  const auto dir = make_sweep("decay-last-iteration");
  const auto experiment = thermo::Experiment::open(dir);
  // Iterations 0, 10, …, 1190; up to 605: t = 0..60, the last 10 points t = 51..60, T at t = 53..58.
  run_stage(&experiment, dir, {{"lr", 0.004}, {"points", std::int64_t{10}}, {"last_iteration", std::int64_t{605}}});
  const auto output = MetricsTable::read_csv(dir / "temperature_decay.csv");
  REQUIRE(output.row_count() == 6);
  for (std::size_t k = 0; k < 6; ++k) {
    const double t = 53.0 + static_cast<double>(k);
    CHECK(output.column("iteration")[k] == 10.0 * t);
    CHECK(output.column("T")[k] == doctest::Approx(2.0 * t));
  }
  const auto summary = nlohmann::json::parse(thermo::testing::read_file(dir / "temperature_decay.json"));
  CHECK(summary["last_iteration"] == 605);
  CHECK(summary["runs"][0]["last_iteration"] == 580.0);
}

TEST_CASE(
    "temperature_decay: Gaussian smoothing of U and S in ln(iteration) before the differences, as the "
    "notebook (float64 reference)") {
  // Log points 10·1.1^t (t = 0..29), U = sin(t/3) + t/10, S = t + cos(t/2); σ = 0.2 over the last 20,
  // offset 2. Expected values: the notebook's matrix F_ij = exp(−(ln it_i − ln it_j)²/(2σ²)), rows
  // normalised, U ← F·U, S ← F·S, computed here in float64 independently of smooth_in_log.
  const auto dir = thermo::testing::scratch_dir("decay-smoothing");
  MetricsTable table({"iteration", "train_loss", "entropy_k50"});
  std::vector<double> iterations;
  std::vector<double> energy;
  std::vector<double> entropy;
  for (int t = 0; t < 30; ++t) {
    iterations.push_back(std::round(10.0 * std::pow(1.1, t)));
    energy.push_back(std::sin(t / 3.0) + t / 10.0);
    entropy.push_back(t + std::cos(t / 2.0));
    table.add_row(std::vector<double>{iterations.back(), energy.back(), entropy.back()});
  }
  thermo::analysis_test::write_sweep(dir, {{"optimizer", {{"elr", 0.1}}}}, {"optimizer.elr"},
                                     {{"000-elr0.01", {{"optimizer.elr", 0.01}}, "completed", table}});
  const auto experiment = thermo::Experiment::open(dir);
  run_stage(&experiment, dir, {{"points", std::int64_t{20}}, {"smoothing", 0.2}});
  const std::size_t first = 10;
  const std::size_t n = 20;
  std::vector<double> u(n, 0.0);
  std::vector<double> s(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double total = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double d = std::log(iterations[first + i]) - std::log(iterations[first + j]);
      const double w = std::exp(-d * d / (2.0 * 0.2 * 0.2));
      total += w;
      u[i] += w * energy[first + j];
      s[i] += w * entropy[first + j];
    }
    u[i] /= total;
    s[i] /= total;
  }
  const auto output = MetricsTable::read_csv(dir / "temperature_decay.csv");
  REQUIRE(output.row_count() == n - 4);
  for (std::size_t k = 0; k < n - 4; ++k) {
    CAPTURE(k);
    CHECK(output.column("iteration")[k] == iterations[first + k + 2]);
    CHECK(output.column("T")[k] == doctest::Approx((u[k + 4] - u[k]) / (s[k + 4] - s[k])).epsilon(1e-12));
  }
  // Unsmoothed, the same points give the raw differences.
  run_stage(&experiment, dir, {{"points", std::int64_t{20}}});
  const auto raw = MetricsTable::read_csv(dir / "temperature_decay.csv");
  CHECK(raw.column("T")[0] ==
        doctest::Approx((energy[first + 4] - energy[first]) / (entropy[first + 4] - entropy[first])));
  // The first log point is iteration 10: nothing is at or before 5.
  CHECK_THROWS_AS(run_stage(&experiment, dir, {{"last_iteration", std::int64_t{5}}}), thermo::UserError);
}
