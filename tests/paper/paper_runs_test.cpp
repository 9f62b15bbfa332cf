// Rules of docs/method.md end to end through `thermo run`, on the toy problem (seconds): the
// learning rate a run records and the analyses read (lr = elr·radius², here with radius 2), a
// single point of a sweep pipeline (the analyses that need a sweep are skipped, exit 0), and the
// toy's sphere: the loss on the grid against its formula, the trajectories from the checkpoints,
// and the report's figure.
#include "pipeline_test_support.hpp"

#include <thermo/npy.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <set>

using namespace thermo::testing;
namespace fs = std::filesystem;

namespace {

const char* const kSweepAnalyses = R"(analysis:
  - {plugin: stationary, window: 5}
  - {plugin: temperature, loss_column: train_loss, entropy_column: train_loss}
  - {plugin: free_energy}
)";

}  // namespace

TEST_CASE("one learning rate: the run records lr = elr·radius², and the analyses read it (radius 2)") {
  const auto dir = scratch_dir("paper-radius");
  auto pipeline = toy_pipeline("radius", "up", "[0.01, 0.02]", 300, "analysis:\n  - {plugin: stationary, window: 5}\n");
  pipeline.replace(pipeline.find("optimizer: {plugin: sphere_sgd, elr: 0.1}"),
                   std::string("optimizer: {plugin: sphere_sgd, elr: 0.1}").size(),
                   "optimizer: {plugin: sphere_sgd, elr: 0.1, radius: 2.0}");
  write_file(dir / "p.yaml", pipeline);
  const auto result = run_command(thermo_command_in(dir, "-q run p.yaml --out out"));
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto experiment = thermo::Experiment::open(dir / "out");
  REQUIRE(experiment.runs.size() == 2);
  std::set<double> recorded;
  for (const auto& run : experiment.runs) {
    const auto summary = read_json(run.dir / "summary.json");
    const double elr = run.overrides["optimizer.elr"].get<double>();
    CHECK(summary["learning_rate"].get<double>() == doctest::Approx(elr * 4.0).epsilon(1e-15));
    recorded.insert(summary["learning_rate"].get<double>());
  }
  const auto stationary = thermo::MetricsTable::read_csv(dir / "out" / "analysis" / "stationary.csv");
  REQUIRE(stationary.row_count() == 2);
  CHECK(stationary.column("lr")[0] == doctest::Approx(0.04));
  CHECK(stationary.column("lr")[1] == doctest::Approx(0.08));
  const auto summary = read_json(dir / "out" / "analysis" / "stationary.json");
  CHECK(summary["lr_key"].is_null());
  // The configuration key can still be named: then the effective LRs elr are read.
  const auto by_key = run_command(thermo_command_in(dir, "-q analyze out analysis.0.lr_key=optimizer.elr"));
  INFO(by_key.err);
  REQUIRE(by_key.exit_code == 0);
  const auto keyed = thermo::MetricsTable::read_csv(dir / "out" / "analysis" / "stationary.csv");
  CHECK(keyed.column("lr")[0] == doctest::Approx(0.01));
}

TEST_CASE("a single point of a sweep pipeline skips the analyses that need a sweep, says so once, exits 0") {
  const auto dir = scratch_dir("paper-single-point");
  write_file(dir / "p.yaml", toy_pipeline("single", "up", "[0.01, 0.02, 0.04]", 200, kSweepAnalyses));
  const auto result = run_command(thermo_command_in(dir, "run p.yaml --out out sweep=null"));
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  const std::string printed = result.out + result.err;
  const std::string line =
      "a single run, not a sweep: skipped the analyses that need a sweep of learning rates: "
      "temperature, free_energy";
  CHECK(printed.find(line) != std::string::npos);
  CHECK(printed.find(line, printed.find(line) + 1) == std::string::npos);
  CHECK(printed.find("error") == std::string::npos);
  CHECK(fs::exists(dir / "out" / "analysis" / "stationary.csv"));
  CHECK_FALSE(fs::exists(dir / "out" / "analysis" / "temperature.csv"));
  // The same pipeline as a sweep runs them.
  const auto sweep = run_command(thermo_command_in(dir, "-q run p.yaml --out sweep"));
  INFO(sweep.err);
  CHECK(sweep.exit_code == 0);
  CHECK(fs::exists(dir / "sweep" / "analysis" / "temperature.csv"));
}

TEST_CASE("the toy's sphere: the loss on the grid, the trajectories from the checkpoints, the report's figure") {
  const auto dir = scratch_dir("paper-sphere");
  write_file(dir / "p.yaml",
             toy_pipeline("sphere", "op", "[0.01, 0.1, 1.0]", 2000,
                          "analysis:\n  - {plugin: stationary, window: 5}\n  - {plugin: sphere_map, resolution: 9}\n"
                          "report: {plugin: gnuplot, curves: 3, formats: [png]}\n") +
                 "\n");
  auto pipeline = read_file(dir / "p.yaml");
  pipeline.replace(pipeline.find("train: {iters: 2000, batch_size: 1, seed: 1,"),
                   std::string("train: {iters: 2000, batch_size: 1, seed: 1,").size(),
                   "train: {iters: 2000, batch_size: 1, seed: 1, checkpoints: [0, 10, 100, 1000, 2000],");
  write_file(dir / "p.yaml", pipeline);
  const auto result = run_command(thermo_command_in(dir, "-q run p.yaml --out out"));
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto analysis = dir / "out" / "analysis";

  // OP vectors (√3/2, ±1/2, 0): the mean of (x·a)² is ¾x² + ¼y² on the unit sphere.
  const auto grid = thermo::MetricsTable::read_csv(analysis / "sphere_map.csv");
  REQUIRE(grid.row_count() == 9 * 19);
  for (std::size_t row = 0; row < grid.row_count(); ++row) {
    const double x = grid.column("x")[row];
    const double y = grid.column("y")[row];
    const double z = grid.column("z")[row];
    CHECK(x * x + y * y + z * z == doctest::Approx(1.0));
    CHECK(grid.column("loss")[row] == doctest::Approx(0.75 * x * x + 0.25 * y * y).epsilon(1e-12));
  }
  const auto summary = read_json(analysis / "sphere_map.json");
  CHECK(summary["loss_min"].get<double>() == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(summary["loss_max"].get<double>() == doctest::Approx(0.75));

  // Five checkpoints per run, on the sphere, the first the normalised start.
  const auto paths = thermo::MetricsTable::read_csv(analysis / "sphere_trajectories.csv");
  REQUIRE(paths.row_count() == 15);
  const double start_norm = std::sqrt(0.8 * 0.8 + 0.6 * 0.6 + 0.1 * 0.1);
  for (std::size_t row = 0; row < paths.row_count(); ++row) {
    const double x = paths.column("x")[row];
    const double y = paths.column("y")[row];
    const double z = paths.column("z")[row];
    CHECK(x * x + y * y + z * z == doctest::Approx(1.0));
    if (paths.column("iteration")[row] == 0.0) CHECK(x == doctest::Approx(-0.8 / start_norm));
  }
  // The trajectory point is the checkpoint's parameter vector.
  const auto run = thermo::Experiment::open(dir / "out").runs.at(0);
  const auto stored = thermo::read_npy(run.dir / "checkpoints" / "params_00001000.npy").to_f64();
  bool found = false;
  for (std::size_t row = 0; row < paths.row_count(); ++row) {
    if (paths.column("iteration")[row] == 1000.0 && paths.column("lr")[row] == doctest::Approx(0.01)) {
      CHECK(paths.column("x")[row] == stored.at(0));
      CHECK(paths.column("z")[row] == stored.at(2));
      found = true;
    }
  }
  CHECK(found);
  CHECK(fs::exists(dir / "out" / "report" / "toy_sphere.png"));
  CHECK(fs::file_size(dir / "out" / "report" / "toy_sphere.png") > 10000);
  CHECK(read_file(dir / "out" / "report" / "index.html").find("toy_sphere.png") != std::string::npos);
}
