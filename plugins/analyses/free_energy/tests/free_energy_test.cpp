// The free_energy stage: curves from temperature.csv, their argmins, row selection and errors.
#include "free_energy.hpp"
#include "analysis_test_support.hpp"
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/temperature.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

namespace {

using thermo::MetricsTable;

void run_stage(const std::filesystem::path& dir, const std::map<std::string, thermo::ParamValue>& overrides) {
  const auto params = thermo::testing::params_with(thermo::free_energy::schema(), overrides);
  thermo::free_energy::FreeEnergyAnalysis analysis(params);
  thermo::AnalysisContext context;  // no experiment: the stage only reads the analysis folder
  context.analysis_dir = dir;
  analysis.run(context);
}

nlohmann::json summary_of(const std::filesystem::path& dir) {
  return nlohmann::json::parse(thermo::testing::read_file(dir / "free_energy.json"));
}

// temperature.csv for a Gaussian Gibbs family (U = d·T/2, S = (d/2)·ln(2πeT)) with T = 1e-2·η on
// 12 LRs, no smoothing and ε = 0: each T_i lies between the bounds of its neighbours, so F_i is
// smallest at η_i on the grid.
std::vector<double> write_gibbs_table(const std::filesystem::path& dir) {
  std::vector<double> rates, energy, entropy;
  for (int i = 0; i < 12; ++i) {
    rates.push_back(std::pow(10.0, -3.0 + i / 6.0));
    const double t = 1e-2 * rates.back();
    energy.push_back(500.0 * t);
    entropy.push_back(500.0 * std::log(2.0 * std::numbers::pi * std::numbers::e * t));
  }
  const auto estimate = thermo::estimate_temperature(rates, energy, entropy, {0.0, 1e-6});
  MetricsTable table({"lr", "U", "S", "U_smooth", "S_smooth", "T_min", "T_max", "T"});
  for (std::size_t i = 0; i < rates.size(); ++i) {
    table.add_row(std::vector<double>{rates[i], energy[i], entropy[i], estimate.smoothed_energy[i],
                                      estimate.smoothed_entropy[i], estimate.lower[i], estimate.upper[i],
                                      estimate.temperature[i]});
  }
  table.write_csv(dir / "temperature.csv");
  return rates;
}

}  // namespace

TEST_CASE("free_energy: a Gibbs family's curves have their minima at their own LR") {
  const auto dir = thermo::testing::scratch_dir("free-energy-gibbs");
  const auto rates = write_gibbs_table(dir);
  run_stage(dir, {});
  const auto curves = MetricsTable::read_csv(dir / "free_energy.csv");
  CHECK(curves.columns() == std::vector<std::string>{"lr_i", "T_i", "lr", "F"});
  REQUIRE(curves.row_count() == 10 * 12);  // the 10 interior rows, each over all 12 LRs
  CHECK(curves.column("lr_i")[0] == rates[1]);
  CHECK(curves.column("lr")[11] == rates[11]);
  CHECK(curves.column("lr_i")[12] == rates[2]);
  const auto summary = summary_of(dir);
  CHECK(summary["curve_count"] == 10);
  CHECK(summary["minima_at_own_lr"] == 10);
  for (const auto& curve : summary["curves"]) {
    CHECK(curve["minimum_at_own_lr"] == true);
    CHECK(curve["argmin_lr"] == curve["lr"]);
  }
  // F = U_smooth − T_i·S_smooth, checked on one value.
  const auto table = MetricsTable::read_csv(dir / "temperature.csv");
  const double expected = table.column("U_smooth")[5] - table.column("T")[1] * table.column("S_smooth")[5];
  CHECK(curves.column("F")[5] == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("free_energy: rows chosen by LR or by index") {
  const auto dir = thermo::testing::scratch_dir("free-energy-choice");
  const auto rates = write_gibbs_table(dir);
  run_stage(dir, {{"lrs", std::vector<double>{rates[3] * (1 + 1e-9), rates[0]}}});
  auto summary = summary_of(dir);
  REQUIRE(summary["curve_count"] == 2);
  CHECK(summary["curves"][0]["index"] == 3);
  CHECK(summary["curves"][1]["index"] == 0);
  run_stage(dir, {{"indices", std::vector<std::int64_t>{-2, 4}}});
  summary = summary_of(dir);
  CHECK(summary["curves"][0]["index"] == 10);
  CHECK(summary["curves"][1]["index"] == 4);
  CHECK_THROWS_AS(run_stage(dir, {{"lrs", std::vector<double>{0.5}}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(dir, {{"indices", std::vector<std::int64_t>{12}}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(dir, {{"indices", std::vector<std::int64_t>{-13}}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(dir, {{"indices", std::vector<std::int64_t>{1}}, {"lrs", std::vector<double>{rates[1]}}}),
                  thermo::UserError);
}

TEST_CASE("free_energy: a minimum away from the own LR, and a NaN temperature") {
  const auto dir = thermo::testing::scratch_dir("free-energy-planted");
  // Row 1: F = U − 5·S = 0, −4, −8, −12: smallest at the last row. Row 2: T = NaN, F all NaN.
  thermo::testing::write_file(dir / "temperature.csv",
                              "lr,U,S,U_smooth,S_smooth,T_min,T_max,T\n"
                              "0.1,0,0,0,0,1,1,1\n0.2,1,1,1,1,5,5,5\n0.4,2,2,2,2,nan,nan,nan\n0.8,3,3,3,3,1,1,1\n");
  run_stage(dir, {});
  const auto summary = summary_of(dir);
  CHECK(summary["minima_at_own_lr"] == 0);
  CHECK(summary["curves"][0]["argmin_index"] == 3);
  CHECK(summary["curves"][0]["argmin_lr"] == 0.8);
  CHECK(summary["curves"][0]["F_min"] == -12.0);
  CHECK(summary["curves"][1]["argmin_lr"].is_null());
  CHECK(summary["curves"][1]["minimum_at_own_lr"] == false);
}

TEST_CASE("free_energy: temperature.csv must exist") {
  const auto dir = thermo::testing::scratch_dir("free-energy-missing");
  CHECK_THROWS_AS(run_stage(dir, {}), thermo::UserError);
}
