// The stationary stage on a generated sweep folder: windows, NaN skipping, population std, the
// column union, LR order, and diverged/failed runs skipped and listed.
#include "stationary.hpp"
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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

MetricsTable metrics(const std::vector<std::string>& columns, const std::vector<std::vector<double>>& rows) {
  MetricsTable table(columns);
  for (const auto& row : rows) table.add_row(row);
  return table;
}

void run_stage(const thermo::Experiment* experiment, const std::filesystem::path& analysis_dir,
               const std::map<std::string, thermo::ParamValue>& overrides) {
  const auto params = thermo::testing::params_with(thermo::stationary::schema(), overrides);
  thermo::stationary::StationaryAnalysis analysis(params);
  thermo::AnalysisContext context;
  context.experiment = experiment;
  context.analysis_dir = analysis_dir;
  analysis.run(context);
}

const nlohmann::json kConfig = {{"optimizer", {{"plugin", "sphere_sgd"}, {"elr", 0.5}}}};

}  // namespace

TEST_CASE("stationary: mean and population std over the last window, NaN skipped, LR order") {
  const auto dir = thermo::testing::scratch_dir("stationary-sweep");
  const std::vector<std::string> columns = {"iteration", "seconds", "train_loss", "entropy_k50"};
  std::vector<GeneratedRun> runs;
  // LR 0.1: five log points; the last three are averaged. entropy has one NaN in the window.
  runs.push_back(
      {"000-elr0.1",
       {{"optimizer.elr", 0.1}},
       "completed",
       metrics(
           columns,
           {{0, 0.1, 9.0, kNaN}, {1, 0.2, 8.0, kNaN}, {2, 0.3, 1.0, 10.0}, {3, 0.4, 2.0, kNaN}, {4, 0.5, 4.0, 14.0}})});
  // LR 0.01: two points only (fewer than the window), an extra column `snr`, all-NaN entropy.
  runs.push_back(
      {"001-elr0.01",
       {{"optimizer.elr", 0.01}},
       "completed",
       metrics({"iteration", "train_loss", "snr", "entropy_k50"}, {{0, 3.0, 1.0, kNaN}, {10, 5.0, 3.0, kNaN}})});
  runs.push_back({"002-elr1", {{"optimizer.elr", 1.0}}, "diverged", metrics(columns, {{0, 0.1, 1e30, 1.0}})});
  runs.push_back({"003-elr2", {{"optimizer.elr", 2.0}}, "failed", MetricsTable{}});
  // No override: the LR comes from the config (0.5); completed but without metrics.csv.
  runs.push_back({"004-default", nlohmann::json::object(), "completed", MetricsTable{}});
  thermo::analysis_test::write_sweep(dir, kConfig, {"optimizer.elr"}, runs);

  const auto experiment = thermo::Experiment::open(dir);
  const auto analysis_dir = dir / "analysis";
  std::filesystem::create_directories(analysis_dir);
  run_stage(&experiment, analysis_dir, {{"window", std::int64_t{3}}});

  const auto table = MetricsTable::read_csv(analysis_dir / "stationary.csv");
  // The union of columns in order of first appearance (runs in LR order), without iteration/seconds.
  CHECK(table.columns() == std::vector<std::string>{"lr", "train_loss", "train_loss_std", "snr", "snr_std",
                                                    "entropy_k50", "entropy_k50_std"});
  REQUIRE(table.row_count() == 2);
  CHECK(table.column("lr")[0] == 0.01);
  CHECK(table.column("lr")[1] == 0.1);
  // LR 0.01: both points; population std of {3, 5} is 1.
  CHECK(table.column("train_loss")[0] == doctest::Approx(4.0));
  CHECK(table.column("train_loss_std")[0] == doctest::Approx(1.0));
  CHECK(table.column("snr")[0] == doctest::Approx(2.0));
  CHECK(std::isnan(table.column("entropy_k50")[0]));
  CHECK(std::isnan(table.column("entropy_k50_std")[0]));
  // LR 0.1: the last three points {1, 2, 4}: mean 7/3, std sqrt(((−4/3)² + (−1/3)² + (5/3)²)/3).
  CHECK(table.column("train_loss")[1] == doctest::Approx(7.0 / 3.0));
  CHECK(table.column("train_loss_std")[1] == doctest::Approx(std::sqrt(42.0 / 27.0)));
  // entropy over {10, NaN, 14}: mean 12, std 2.
  CHECK(table.column("entropy_k50")[1] == doctest::Approx(12.0));
  CHECK(table.column("entropy_k50_std")[1] == doctest::Approx(2.0));
  // The run without `snr`.
  CHECK(std::isnan(table.column("snr")[1]));

  const auto summary = nlohmann::json::parse(thermo::testing::read_file(analysis_dir / "stationary.json"));
  CHECK(summary["window"] == 3);
  CHECK(summary["run_count"] == 2);
  CHECK(summary["runs"][0]["label"] == "001-elr0.01");
  CHECK(summary["runs"][0]["rows_used"] == 2);
  CHECK(summary["runs"][1]["rows_used"] == 3);
  CHECK(summary["runs"][1]["first_iteration"] == 2.0);
  REQUIRE(summary["skipped"].size() == 3);
  std::vector<std::string> skipped;
  for (const auto& entry : summary["skipped"])
    skipped.push_back(entry["label"].get<std::string>() + ":" + entry["status"].get<std::string>());
  CHECK(skipped == std::vector<std::string>{"002-elr1:diverged", "003-elr2:failed", "004-default:completed"});
}

TEST_CASE("stationary: the window defaults to 50 and another LR key can be named") {
  const auto dir = thermo::testing::scratch_dir("stationary-key");
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < 80; ++i) rows.push_back({static_cast<double>(i), static_cast<double>(i)});
  std::vector<GeneratedRun> runs;
  runs.push_back({"000-lr0.2", {{"optimizer.lr", 0.2}}, "completed", metrics({"iteration", "train_loss"}, rows)});
  thermo::analysis_test::write_sweep(dir, kConfig, {"optimizer.lr"}, runs);
  const auto experiment = thermo::Experiment::open(dir);
  // optimizer.elr is 0.5 in the config for every run; the swept key here is optimizer.lr.
  run_stage(&experiment, dir, {{"lr_key", std::string("optimizer.lr")}});
  const auto table = MetricsTable::read_csv(dir / "stationary.csv");
  CHECK(table.column("lr")[0] == 0.2);
  CHECK(table.column("train_loss")[0] == doctest::Approx(54.5));  // mean of 30..79
  // A key that is not a number in any run: every run is skipped, which is an error.
  CHECK_THROWS_AS(run_stage(&experiment, dir, {{"lr_key", std::string("optimizer.plugin")}}), thermo::UserError);
}

TEST_CASE("stationary: needs an experiment; no usable run is an error") {
  const auto dir = thermo::testing::scratch_dir("stationary-errors");
  CHECK_THROWS_AS(run_stage(nullptr, dir, {}), thermo::UserError);
  std::vector<GeneratedRun> runs;
  runs.push_back({"000-elr1", {{"optimizer.elr", 1.0}}, "diverged", metrics({"iteration", "train_loss"}, {{0, 1}})});
  thermo::analysis_test::write_sweep(dir, kConfig, {"optimizer.elr"}, runs);
  const auto experiment = thermo::Experiment::open(dir);
  CHECK_THROWS_AS(run_stage(&experiment, dir, {}), thermo::UserError);
}

TEST_CASE("stationary: which columns are summarised") {
  CHECK(thermo::stationary::is_summarised_column("train_loss"));
  CHECK(thermo::stationary::is_summarised_column("stoch_entropy_k50"));
  CHECK_FALSE(thermo::stationary::is_summarised_column("iteration"));
  CHECK_FALSE(thermo::stationary::is_summarised_column("seconds"));
  CHECK_FALSE(thermo::stationary::is_summarised_column("eval_seconds"));
  CHECK_FALSE(thermo::stationary::is_summarised_column("lr"));
}

TEST_CASE("stationary: last_iteration ends the window at the last log point at or before it") {
  const auto dir = thermo::testing::scratch_dir("stationary-last-iteration");
  std::vector<std::vector<double>> rows;
  for (int t = 0; t < 10; ++t) rows.push_back({10.0 * t, 1.0 * t});
  thermo::analysis_test::write_sweep(
      dir, kConfig, {"optimizer.elr"},
      {{"000-elr0.1", {{"optimizer.elr", 0.1}}, "completed", metrics({"iteration", "train_loss"}, rows)}});
  const auto experiment = thermo::Experiment::open(dir);
  // Iterations 0..90; up to 55: t = 0..5, the last 3 are t = 3, 4, 5.
  run_stage(&experiment, dir, {{"window", std::int64_t{3}}, {"last_iteration", std::int64_t{55}}});
  auto table = MetricsTable::read_csv(dir / "stationary.csv");
  CHECK(table.column("train_loss")[0] == doctest::Approx(4.0));
  const auto summary = nlohmann::json::parse(thermo::testing::read_file(dir / "stationary.json"));
  CHECK(summary["last_iteration"] == 55);
  CHECK(summary["runs"][0]["first_iteration"] == 30.0);
  // Exactly on a log point: that point is the last one.
  run_stage(&experiment, dir, {{"window", std::int64_t{2}}, {"last_iteration", std::int64_t{90}}});
  table = MetricsTable::read_csv(dir / "stationary.csv");
  CHECK(table.column("train_loss")[0] == doctest::Approx(8.5));
}
