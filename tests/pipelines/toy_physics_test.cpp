// The toy problem's physics (docs/method.md §8), end to end through `thermo run`: OP converges at small
// LRs and not at large ones; UP never goes below its analytic minimum and its stationary loss
// grows with the LR.
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace thermo::testing;

namespace {
std::filesystem::path run_toy(const std::string& name, const std::string& preset, const std::string& lrs,
                              const std::string& extra = "") {
  const auto dir = scratch_dir(name);
  write_file(dir / "pipeline.yaml", toy_pipeline(name, preset, lrs, 50000, extra));
  const auto result = run_thermo("-q run '" + (dir / "pipeline.yaml").string() + "' --out '" + (dir / "out").string() + "'");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return dir / "out";
}

double final_loss(const thermo::Experiment& experiment, std::size_t index) {
  const auto table = experiment.runs.at(index).metrics();
  return table.column("train_loss").back();
}
}  // namespace

TEST_CASE("toy OP: converges for lr <= 0.5 (loss < 1e-10 in float64), stays well above for lr >= 2") {
  const auto dir = run_toy("toy-op", "op", "[0.01, 0.1, 0.5, 2.0, 5.0]");
  const auto experiment = thermo::Experiment::open(dir);
  REQUIRE(experiment.runs.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    const double lr = experiment.value_of(experiment.runs[i], "optimizer.elr").get<double>();
    const double loss = final_loss(experiment, i);
    INFO("lr " << lr << " final loss " << loss);
    CHECK(experiment.runs[i].status == "completed");
    if (lr <= 0.5) {
      CHECK(loss < 1e-10);
    } else {
      CHECK(loss > 1e-3);
    }
  }
}

TEST_CASE("toy UP: never below the analytic minimum 0.04/1.04; the stationary loss grows with the LR") {
  const auto dir = run_toy("toy-up", "up", "[0.01, 0.1, 0.5, 2.0]", "analysis: [{plugin: stationary, window: 50}]\n");
  const auto experiment = thermo::Experiment::open(dir);
  REQUIRE(experiment.runs.size() == 4);
  const double minimum = 0.04 / 1.04;
  for (const auto& run : experiment.runs) {
    const auto table = run.metrics();
    const auto losses = table.column("train_loss");
    const double lowest = *std::min_element(losses.begin(), losses.end());
    INFO(run.label << " lowest loss " << lowest);
    CHECK(lowest >= minimum);
    // The logged distance to the minimum is the loss minus the analytic minimum.
    CHECK(table.column("train_loss_above_min").back() == doctest::Approx(losses.back() - minimum).epsilon(1e-12));
  }
  const auto stationary = thermo::MetricsTable::read_csv(dir / "analysis" / "stationary.csv");
  const auto lrs = stationary.column("lr");
  const auto losses = stationary.column("train_loss");
  REQUIRE(lrs.size() == 4);
  for (std::size_t i = 1; i < lrs.size(); ++i) {
    CHECK(lrs[i] > lrs[i - 1]);
    CHECK(losses[i] > losses[i - 1]);
  }
}

TEST_CASE("toy: a seed gives one trajectory, bit for bit, in every process") {
  const auto first = read_metrics(run_toy("toy-seed-a", "up", "[0.1]") / "runs" / "000-elr0.1");
  const auto second = read_metrics(run_toy("toy-seed-b", "up", "[0.1]") / "runs" / "000-elr0.1");
  const auto a = first.column("train_loss");
  const auto b = second.column("train_loss");
  REQUIRE(a.size() == b.size());
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
}
