// The temperature analysis stage: reads stationary.csv from the analysis folder, keeps the range,
// writes temperature.csv and temperature.json; works without an experiment (table mode).
#include "temperature_analysis.hpp"
#include "analysis_test_support.hpp"
#include "plugins_for_tests.hpp"
#include "reference_tables.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <doctest/doctest.h>

#include <fstream>

namespace {

using thermo::MetricsTable;
using thermo::ParamValue;

std::vector<double> column(const MetricsTable& table, const std::string& name) {
  const auto values = table.column(name);
  return {values.begin(), values.end()};
}

void run_stage(const std::filesystem::path& dir, const std::map<std::string, ParamValue>& overrides) {
  const auto params = thermo::testing::params_with(thermo::temperature::schema(), overrides);
  thermo::temperature::TemperatureAnalysis analysis(params);
  thermo::AnalysisContext context;
  context.analysis_dir = dir;
  analysis.run(context);
}

nlohmann::json read_json(const std::filesystem::path& file) {
  return nlohmann::json::parse(thermo::testing::read_file(file));
}

}  // namespace

TEST_CASE("temperature stage: the reference grid, rows shuffled, range [1, -1)") {
  const auto dir = thermo::testing::scratch_dir("temperature-grid");
  const auto table = thermo::reference::grid_table();
  // stationary.csv as the stationary stage writes it (plus a std column), rows out of order.
  MetricsTable stationary({"lr", "train_loss", "train_loss_std", "entropy_k50"});
  for (const std::size_t row : {3, 0, 10, 7, 1, 9, 2, 5, 4, 8, 6}) {
    stationary.add_row(std::vector<double>{table.rates[row], table.energy[row], 0.5, table.entropy[row]});
  }
  stationary.write_csv(dir / "stationary.csv");
  run_stage(dir, {{"range", std::vector<std::int64_t>{1, -1}}});

  const auto output = MetricsTable::read_csv(dir / "temperature.csv");
  CHECK(output.columns() == std::vector<std::string>{"lr", "U", "S", "U_smooth", "S_smooth", "T_min", "T_max", "T"});
  REQUIRE(output.row_count() == 9);
  CHECK(column(output, "lr") == std::vector<double>(table.rates.begin() + 1, table.rates.end() - 1));
  CHECK(column(output, "U") == std::vector<double>(table.energy.begin() + 1, table.energy.end() - 1));
  thermo::reference::check_close(column(output, "U_smooth"), table.expected_smoothed_energy, "U_smooth");
  thermo::reference::check_close(column(output, "S_smooth"), table.expected_smoothed_entropy, "S_smooth");
  thermo::reference::check_close(column(output, "T_min"), table.expected_lower, "T_min");
  thermo::reference::check_close(column(output, "T_max"), table.expected_upper, "T_max");
  thermo::reference::check_close(column(output, "T"), table.expected_temperature, "T");

  const auto summary = read_json(dir / "temperature.json");
  CHECK(summary["range"]["requested"] == nlohmann::json({1, -1}));
  CHECK(summary["range"]["begin"] == 1);
  CHECK(summary["range"]["end"] == 10);
  CHECK(summary["range"]["first_lr"] == table.rates[1]);
  CHECK(summary["range"]["last_lr"] == table.rates[9]);
  CHECK(summary["eps"] == 1e-2);
  CHECK(summary["smoothing_width"] == 0.3);
  CHECK(summary["rows"] == 9);
  CHECK(summary["source_rows"] == 11);
  CHECK(summary["fit"]["points_used"] == table.expected_points_used);
  CHECK(summary["fit"]["b"].get<double>() == doctest::Approx(table.expected_b).epsilon(1e-9));
  CHECK(summary["fit"]["k"].get<double>() == doctest::Approx(table.expected_k).epsilon(1e-9));
  CHECK(summary["fit"]["lrs_used"].size() == 7);
}

TEST_CASE("temperature stage in table mode: columns U and S, every row, NaN/inf written and read back") {
  const auto dir = thermo::testing::scratch_dir("temperature-table");
  const auto table = thermo::reference::infinite_table();
  thermo::testing::write_file(dir / "stationary.csv", "lr,U,S\n0.04,0.5,1\n0.01,0.2,1\n0.02,0.3,4\n");
  run_stage(dir, {{"loss_column", std::string("U")}, {"entropy_column", std::string("S")}, {"eps", 0.04}});
  const auto output = MetricsTable::read_csv(dir / "temperature.csv");
  CHECK(column(output, "lr") == table.rates);
  thermo::reference::check_close(column(output, "T_min"), table.expected_lower, "T_min");
  thermo::reference::check_close(column(output, "T"), table.expected_temperature, "T");
  const auto summary = read_json(dir / "temperature.json");
  CHECK(summary["range"]["requested"].is_null());
  CHECK(summary["fit"]["b"].is_null());  // NaN is written as null
  CHECK(summary["fit"]["points_used"] == 0);
}

TEST_CASE("temperature stage: errors a user can fix") {
  const auto dir = thermo::testing::scratch_dir("temperature-errors");
  CHECK_THROWS_AS(run_stage(dir, {}), thermo::UserError);  // no stationary.csv yet
  thermo::testing::write_file(dir / "stationary.csv", "lr,train_loss,entropy_k50\n0.1,1,2\n0.2,2,3\n0.4,3,5\n");
  CHECK_NOTHROW(run_stage(dir, {}));
  CHECK_THROWS_AS(run_stage(dir, {{"range", std::vector<std::int64_t>{2, 1}}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(dir, {{"range", std::vector<std::int64_t>{0, 4}}}), thermo::UserError);
  CHECK_THROWS_AS(run_stage(dir, {{"range", std::vector<std::int64_t>{-1, 3}}}), thermo::UserError);  // 1 row
  CHECK_THROWS_AS(run_stage(dir, {{"entropy_column", std::string("entropy_k5")}}), thermo::UserError);
  thermo::testing::write_file(dir / "stationary.csv", "lr,train_loss,entropy_k50\n0,1,2\n0.2,2,3\n");
  CHECK_THROWS_AS(run_stage(dir, {}), thermo::UserError);
  thermo::testing::write_file(dir / "stationary.csv", "lr,train_loss,entropy_k50\nnan,1,2\n0.2,2,3\n");
  CHECK_THROWS_AS(run_stage(dir, {}), thermo::UserError);
}

TEST_CASE("temperature stage: a negative range end keeps the rows before it") {
  const auto dir = thermo::testing::scratch_dir("temperature-range");
  thermo::testing::write_file(dir / "stationary.csv",
                              "lr,train_loss,entropy_k50\n0.1,1,2\n0.2,2,3\n0.4,3,5\n0.8,5,6\n1.6,9,8\n");
  run_stage(dir, {{"range", std::vector<std::int64_t>{1, -2}}});
  const auto output = MetricsTable::read_csv(dir / "temperature.csv");
  CHECK(column(output, "lr") == std::vector<double>{0.2, 0.4});
  const auto summary = read_json(dir / "temperature.json");
  CHECK(summary["range"]["begin"] == 1);
  CHECK(summary["range"]["end"] == 3);
}

TEST_CASE("temperature stage: where a bound is negative T is NaN, temperature.json says which LRs and why") {
  const auto dir = thermo::testing::scratch_dir("temperature-negative");
  const auto table = thermo::reference::negative_bounds_table();
  std::string csv = "lr,train_loss,entropy_k50\n";
  for (std::size_t i = 0; i < table.rates.size(); ++i) {
    csv += thermo::format_number(table.rates[i]) + "," + thermo::format_number(table.energy[i]) + "," +
           thermo::format_number(table.entropy[i]) + "\n";
  }
  thermo::testing::write_file(dir / "stationary.csv", csv);
  run_stage(dir, {});
  const auto output = MetricsTable::read_csv(dir / "temperature.csv");
  thermo::reference::check_close(column(output, "T"), table.expected_temperature, "T");
  const auto summary = read_json(dir / "temperature.json");
  REQUIRE(summary["undefined"].size() == 1);
  CHECK(summary["undefined"][0]["lr"] == 0.008);
  CHECK(summary["undefined"][0]["T"].is_null());
  CHECK(summary["undefined"][0]["reason"] == "T_max = -0.433333 < 0");
  CHECK(summary["fit"]["points_used"] == table.expected_points_used);
  CHECK(summary["fit"]["k"].get<double>() == doctest::Approx(table.expected_k).epsilon(1e-9));
}
