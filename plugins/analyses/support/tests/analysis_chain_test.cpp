// stationary -> temperature -> free_energy on a generated sweep whose runs settle on a Gaussian
// Gibbs family (U = d·T/2, S = (d/2)·ln(2πeT), T = 0.05·η): the stages read each other's files,
// the diverged run is left out, the planted temperatures come back and every free-energy curve has
// its minimum at its own LR.
#include "analysis_test_support.hpp"
#include "free_energy.hpp"
#include "plugins_for_tests.hpp"
#include "stationary.hpp"
#include "temperature_analysis.hpp"
#include "test_support.hpp"

#include <thermo/experiment.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <numbers>

TEST_CASE("stationary -> temperature -> free_energy on a Gibbs sweep") {
  const auto dir = thermo::testing::scratch_dir("analysis-chain");
  constexpr double kDimension = 1000.0;
  std::vector<thermo::analysis_test::GeneratedRun> runs;
  for (int i = 0; i < 13; ++i) {
    const double rate = std::pow(10.0, -3.0 + i / 6.0);
    const double t = 0.05 * rate;
    const double energy = kDimension * t / 2.0;
    const double entropy = kDimension / 2.0 * std::log(2.0 * std::numbers::pi * std::numbers::e * t);
    thermo::MetricsTable metrics({"iteration", "train_loss", "entropy_k50"});
    // A transient, then 50 log points at the stationary values (±δ alternating: the mean is exact).
    for (int row = 0; row < 80; ++row) {
      const double delta = row % 2 == 0 ? 1e-3 : -1e-3;
      const bool settled = row >= 30;
      metrics.add_row(std::vector<double>{10.0 * row, settled ? energy * (1 + delta) : 5.0,
                                          settled ? entropy + delta : std::nan("")});
    }
    runs.push_back(
        {fmt::format("{:03}-elr{}", i, rate), {{"optimizer.elr", rate}}, i == 12 ? "diverged" : "completed", metrics});
  }
  thermo::analysis_test::write_sweep(dir, {{"optimizer", {{"elr", 0.1}}}}, {"optimizer.elr"}, runs);
  const auto experiment = thermo::Experiment::open(dir);
  thermo::AnalysisContext context;
  context.experiment = &experiment;
  context.analysis_dir = dir / "analysis";
  std::filesystem::create_directories(context.analysis_dir);

  thermo::stationary::StationaryAnalysis(thermo::testing::params_with(thermo::stationary::schema())).run(context);
  thermo::temperature::TemperatureAnalysis(
      thermo::testing::params_with(thermo::temperature::schema(), {{"eps", 0.0}, {"smoothing_width", 1e-6}}))
      .run(context);
  thermo::free_energy::FreeEnergyAnalysis(thermo::testing::params_with(thermo::free_energy::schema())).run(context);

  const auto temperature = thermo::MetricsTable::read_csv(context.analysis_dir / "temperature.csv");
  REQUIRE(temperature.row_count() == 12);  // the diverged 13th run is not there
  for (std::size_t i = 1; i + 1 < 12; ++i) {
    CAPTURE(i);
    const double planted = 0.05 * temperature.column("lr")[i];
    CHECK(temperature.column("T_min")[i] <= planted * (1 + 1e-9));
    CHECK(planted <= temperature.column("T_max")[i] * (1 + 1e-9));
    CHECK(temperature.column("T")[i] == doctest::Approx(planted).epsilon(0.01));
  }
  const auto summary = nlohmann::json::parse(thermo::testing::read_file(context.analysis_dir / "temperature.json"));
  CHECK(summary["fit"]["k"].get<double>() == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(summary["fit"]["b"].get<double>() == doctest::Approx(0.05).epsilon(0.01));
  const auto energy = nlohmann::json::parse(thermo::testing::read_file(context.analysis_dir / "free_energy.json"));
  CHECK(energy["curve_count"] == 10);
  CHECK(energy["minima_at_own_lr"] == 10);
}
