// The gradient_phase stage on planted power laws: stoch_grad_mean_norm = e^b·full_grad_norm^k per
// subset size after iteration 2e5, another law before it and at other LRs.
#include "gradient_phase.hpp"
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
  const auto params = thermo::testing::params_with(thermo::gradient_phase::schema(), overrides);
  thermo::gradient_phase::GradientPhaseAnalysis analysis(params);
  thermo::AnalysisContext context;
  context.experiment = experiment;
  context.analysis_dir = dir;
  analysis.run(context);
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 60 log points from iteration 10 to ~1.6e6; full_grad_norm falls from 0.1 to 1e-3. From iteration
// 2e5 on the stochastic norm follows e^b·full^k, before it the law `early_k`, `early_b`. Rows 50
// and 55 carry a NaN and a zero (never fitted).
MetricsTable planted(double k, double b, double early_k = 0.1, double early_b = 0.0) {
  MetricsTable table({"iteration", "full_grad_norm", "stoch_grad_mean_norm", "train_loss"});
  for (int i = 0; i < 60; ++i) {
    const double iteration = std::floor(std::pow(10.0, 1.0 + 5.2 * i / 59.0));
    const double full = std::pow(10.0, -1.0 - 2.0 * i / 59.0);
    double stochastic =
        iteration >= 2e5 ? std::exp(b) * std::pow(full, k) : std::exp(early_b) * std::pow(full, early_k);
    if (i == 50) stochastic = kNaN;
    if (i == 55) stochastic = 0.0;
    table.add_row(std::vector<double>{iteration, full, stochastic, 1.0});
  }
  return table;
}

nlohmann::json run_override(double rate, std::int64_t samples) {
  return {{"optimizer.elr", rate}, {"dataset.samples_per_label", samples}};
}

std::filesystem::path make_sweeps(const std::string& name) {
  const auto root = thermo::testing::scratch_dir(name);
  const nlohmann::json config = {{"optimizer", {{"elr", 0.1}}}, {"dataset", {{"samples_per_label", 5000}}}};
  std::vector<GeneratedRun> runs;
  runs.push_back({"000-a", run_override(0.01, 500), "completed", planted(3.0, 1.0)});
  runs.push_back({"001-b", run_override(0.001, 500), "completed", planted(0.5, 2.0)});
  runs.push_back({"002-c", run_override(0.001, 1250), "completed", planted(0.8, -1.0)});
  runs.push_back({"003-d", run_override(0.01, 1250), "completed", planted(-1.0, 0.5)});
  runs.push_back({"004-e", run_override(0.0001, 1250), "diverged", planted(9.0, 9.0)});
  thermo::analysis_test::write_sweep(root / "main", config, {"optimizer.elr", "dataset.samples_per_label"}, runs);
  // A sibling sweep over LR only; its subset size (2500) comes from its config.
  std::vector<GeneratedRun> other;
  other.push_back({"000-x", {{"optimizer.elr", 0.001}}, "completed", planted(1.5, 0.25)});
  other.push_back({"001-y", {{"optimizer.elr", 0.01}}, "completed", planted(2.5, 0.75)});
  thermo::analysis_test::write_sweep(root / "other",
                                     {{"optimizer", {{"elr", 0.1}}}, {"dataset", {{"samples_per_label", 2500}}}},
                                     {"optimizer.elr"}, other);
  return root;
}

nlohmann::json summary_of(const std::filesystem::path& dir) {
  return nlohmann::json::parse(thermo::testing::read_file(dir / "gradient_phase.json"));
}

}  // namespace

TEST_CASE("gradient_phase: per-group fits at the smallest LR recover the planted laws") {
  const auto root = make_sweeps("phase-groups");
  const auto experiment = thermo::Experiment::open(root / "main");
  run_stage(&experiment, root, {{"sweeps", std::vector<std::string>{"../other"}}});
  const auto summary = summary_of(root);
  const auto& groups = summary["groups"];
  REQUIRE(groups.size() == 3);
  CHECK(groups["500"]["k"].get<double>() == doctest::Approx(0.5).epsilon(1e-9));
  CHECK(groups["500"]["b"].get<double>() == doctest::Approx(2.0).epsilon(1e-9));
  CHECK(groups["500"]["run"] == "001-b");
  CHECK(groups["1250"]["k"].get<double>() == doctest::Approx(0.8).epsilon(1e-9));
  CHECK(groups["1250"]["b"].get<double>() == doctest::Approx(-1.0).epsilon(1e-9));
  CHECK(groups["1250"]["run"] == "002-c");  // the diverged run at 1e-4 is not the smallest completed LR
  CHECK(groups["2500"]["k"].get<double>() == doctest::Approx(1.5).epsilon(1e-9));
  CHECK(groups["2500"]["b"].get<double>() == doctest::Approx(0.25).epsilon(1e-9));
  CHECK(groups["2500"]["coefficient"].get<double>() == doctest::Approx(std::exp(0.25)));
  CHECK(summary["group_column"] == "value");
  CHECK(summary["skipped"].size() == 1);

  const auto table = MetricsTable::read_csv(root / "gradient_phase.csv");
  CHECK(table.columns() == std::vector<std::string>{"group", "iteration", "full_grad_norm", "stoch_grad_mean_norm"});
  const std::size_t points = groups["500"]["points"].get<std::size_t>();
  CHECK(groups["500"]["late_points"].get<std::size_t>() == points + 2);  // the NaN and the zero
  REQUIRE(table.row_count() == 3 * points);
  // Groups in ascending subset size, only iterations >= 2e5.
  CHECK(table.column("group")[0] == 500.0);
  CHECK(table.column("group")[points] == 1250.0);
  CHECK(table.column("group")[2 * points] == 2500.0);
  for (const double iteration : table.column("iteration")) CHECK(iteration >= 2e5);
}

TEST_CASE("gradient_phase: a chosen LR, and a group without it is skipped") {
  const auto root = make_sweeps("phase-lr");
  const auto experiment = thermo::Experiment::open(root / "main");
  run_stage(&experiment, root, {{"lr", 0.01}});
  auto summary = summary_of(root);
  CHECK(summary["groups"]["500"]["k"].get<double>() == doctest::Approx(3.0).epsilon(1e-9));
  CHECK(summary["groups"]["1250"]["k"].get<double>() == doctest::Approx(-1.0).epsilon(1e-9));
  run_stage(&experiment, root, {{"lr", 0.0001}});
  summary = summary_of(root);
  CHECK(summary["groups"].empty());
  CHECK(summary["skipped_groups"].size() == 2);
  // min_iteration 0 mixes in the early law: the fit no longer recovers k.
  run_stage(&experiment, root, {{"min_iteration", std::int64_t{0}}});
  summary = summary_of(root);
  CHECK(std::abs(summary["groups"]["500"]["k"].get<double>() - 0.5) > 0.01);
}

TEST_CASE("gradient_phase: errors a user can fix") {
  const auto root = make_sweeps("phase-errors");
  const auto experiment = thermo::Experiment::open(root / "main");
  CHECK_THROWS_AS(run_stage(nullptr, root, {}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(&experiment, root, {{"sweeps", std::vector<std::string>{"../missing"}}}),
                  thermo::UserError);
}

TEST_CASE("gradient_phase: lr_rank 1 takes each group's second-smallest LR, max_iteration bounds the fit") {
  const auto root = thermo::testing::scratch_dir("phase-rank");
  // The planted law holds for 1e4 <= iteration <= 4e5 only (the ResNet-18 bounds); outside, another.
  const auto bounded = [](double k, double b) {
    MetricsTable table({"iteration", "full_grad_norm", "stoch_grad_mean_norm"});
    for (int i = 0; i < 60; ++i) {
      const double iteration = std::floor(std::pow(10.0, 1.0 + 5.2 * i / 59.0));
      const double full = std::pow(10.0, -1.0 - 2.0 * i / 59.0);
      const bool inside = iteration >= 1e4 && iteration <= 4e5;
      table.add_row(std::vector<double>{iteration, full, inside ? std::exp(b) * std::pow(full, k) : 5.0 * full});
    }
    return table;
  };
  std::vector<GeneratedRun> runs;
  runs.push_back({"000-a", run_override(1e-5, 500), "completed", bounded(9.0, 9.0)});
  runs.push_back({"001-b", run_override(2e-5, 500), "completed", bounded(0.7, 1.5)});
  runs.push_back({"002-c", run_override(2e-5, 500), "completed", bounded(8.0, 8.0)});  // same LR: the first
  runs.push_back({"003-d", run_override(5e-5, 500), "completed", bounded(7.0, 7.0)});
  runs.push_back({"004-e", run_override(1e-5, 1250), "completed", bounded(9.0, 9.0)});
  runs.push_back({"005-f", run_override(3e-5, 1250), "completed", bounded(0.4, -0.5)});
  runs.push_back({"006-g", run_override(1e-5, 2500), "completed", bounded(9.0, 9.0)});  // one LR only
  thermo::analysis_test::write_sweep(root, {{"optimizer", {{"elr", 0.1}}}},
                                     {"optimizer.elr", "dataset.samples_per_label"}, runs);
  const auto experiment = thermo::Experiment::open(root);
  run_stage(
      &experiment, root,
      {{"lr_rank", std::int64_t{1}}, {"min_iteration", std::int64_t{10000}}, {"max_iteration", std::int64_t{400000}}});
  const auto summary = summary_of(root);
  CHECK(summary["lr_rank"] == 1);
  CHECK(summary["max_iteration"] == 400000);
  CHECK(summary["groups"]["500"]["run"] == "001-b");
  CHECK(summary["groups"]["500"]["k"].get<double>() == doctest::Approx(0.7).epsilon(1e-9));
  CHECK(summary["groups"]["500"]["b"].get<double>() == doctest::Approx(1.5).epsilon(1e-9));
  CHECK(summary["groups"]["1250"]["lr"] == 3e-5);
  CHECK(summary["groups"]["1250"]["k"].get<double>() == doctest::Approx(0.4).epsilon(1e-9));
  CHECK_FALSE(summary["groups"].contains("2500"));
  REQUIRE(summary["skipped_groups"].size() == 1);
  CHECK(summary["skipped_groups"][0]["group"] == "2500");
  const auto output = MetricsTable::read_csv(root / "gradient_phase.csv");
  for (const double iteration : output.column("iteration")) {
    CHECK(iteration >= 1e4);
    CHECK(iteration <= 4e5);
  }
}
