// The run-directory rules, the files a run writes, and sweeps that survive diverging and failing
// points and resume, end to end through `thermo run`.
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace thermo::testing;
namespace fs = std::filesystem;

TEST_CASE("a run directory is never silently overwritten") {
  const auto dir = scratch_dir("run-dirs");
  write_file(dir / "p.yaml", toy_pipeline("dirs", "op", "null", 200));
  SUBCASE("the default is runs/<name>, then a unique suffix") {
    REQUIRE(run_command(thermo_command_in(dir, "-q run p.yaml")).exit_code == 0);
    REQUIRE(run_command(thermo_command_in(dir, "-q run p.yaml")).exit_code == 0);
    CHECK(fs::exists(dir / "runs" / "dirs" / "summary.json"));
    CHECK(fs::exists(dir / "runs" / "dirs-2" / "summary.json"));
  }
  SUBCASE("an existing --out needs --resume or --force") {
    REQUIRE(run_command(thermo_command_in(dir, "-q run p.yaml --out out")).exit_code == 0);
    const auto again = run_command(thermo_command_in(dir, "-q run p.yaml --out out"));
    CHECK(again.exit_code == 2);
    CHECK(again.err ==
          "out: error: the output directory exists; add --resume to continue it or --force to start it over\n");
    CHECK(run_command(thermo_command_in(dir, "-q run p.yaml --out out --force")).exit_code == 0);
    // --force with --resume accepts states of another configuration: it keeps the directory.
    CHECK(run_command(thermo_command_in(dir, "-q run p.yaml --out out --force --resume")).exit_code == 0);
    CHECK(fs::exists(dir / "out" / "summary.json"));
  }
}

TEST_CASE("a run writes config.yaml, log.txt, metrics.csv with nan, and summary.json") {
  const auto dir = scratch_dir("run-files");
  write_file(dir / "p.yaml", toy_pipeline("files", "up", "null", 100) + "\n");
  const auto result = run_command(thermo_command_in(dir, "-q run p.yaml --out out train.log=[0,10,100]"));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto out = dir / "out";
  CHECK(read_file(out / "config.yaml").find("name: files") != std::string::npos);
  CHECK(fs::exists(out / "log.txt"));
  const std::string metrics = read_file(out / "metrics.csv");
  CHECK(metrics.rfind("iteration,train_loss,stoch_grad_norm,train_loss_above_min,", 0) == 0);
  // Iteration 0 has no stochastic gradient yet: written as nan.
  CHECK(metrics.find("\n0,") != std::string::npos);
  CHECK(metrics.find(",nan,") != std::string::npos);
  const auto table = read_metrics(out);
  CHECK(table.row_count() == 3);
  const auto summary = read_json(out / "summary.json");
  CHECK(summary["status"] == "completed");
  CHECK(summary["iterations"] == 100);
  CHECK(summary["backend"] == "cpu");
  CHECK(summary["threads"].get<int>() >= 1);
  CHECK(summary["thermo_version"].is_string());
  CHECK(summary["seconds"].get<double>() > 0.0);
  CHECK(summary["metrics"]["train_loss"].get<double>() == doctest::Approx(table.column("train_loss").back()));
  CHECK(summary["metrics"]["iteration"].get<double>() == 100.0);
}

TEST_CASE("a sweep records diverged and failed points, goes on, and resumes only what is unfinished") {
  const auto dir = scratch_dir("sweep-survives");
  // Point 1 starts at the origin: the loss is 0/0 (diverged). Point 2's data set has a zero
  // vector: the data set refuses it at run time (failed). Points run in child processes.
  write_file(dir / "p.yaml", R"(thermo: 1
name: survives
backend: cpu
dataset: {plugin: sphere_points, preset: custom, vectors: [[1, 0, 0], [0, 1, 0]]}
model: {plugin: sphere_toy}
optimizer: {plugin: sphere_sgd, elr: 0.1}
train: {iters: 300, batch_size: 1, log: {every: 100}}
sweep:
  model.start: [[-0.8, 0.6, 0.1], [0, 0, 0], [0.1, 0.2, 0.3]]
  dataset.vectors: [[[1, 0, 0], [0, 1, 0]], [[0, 0, 0], [1, 0, 0]]]
executor: {jobs: 2}
)");
  const auto first = run_command(thermo_command_in(dir, "run p.yaml --out out"));
  INFO(first.out << first.err);
  CHECK(first.exit_code == 2);  // some points failed
  const auto manifest = read_json(dir / "out" / "manifest.json");
  REQUIRE(manifest["points"].size() == 6);
  std::map<std::string, int> counts;
  for (const auto& point : manifest["points"]) counts[point["status"].get<std::string>()]++;
  CHECK(counts["completed"] == 2);
  CHECK(counts["diverged"] == 1);
  CHECK(counts["failed"] == 3);
  for (const auto& point : manifest["points"]) {
    if (point["status"] == "failed") CHECK(point["message"].get<std::string>().find("error") != std::string::npos);
    if (point["status"] == "diverged") CHECK(point["message"].get<std::string>().find("nan") != std::string::npos);
  }
  CHECK(first.out.find("2 completed, 1 diverged, 3 failed") != std::string::npos);

  // Resume: the finished points are kept as they are, the failed ones run again.
  const auto kept = dir / "out" / manifest["points"][0]["dir"].get<std::string>() / "metrics.csv";
  const auto written = fs::last_write_time(kept);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto second = run_command(thermo_command_in(dir, "run p.yaml --out out --resume"));
  CHECK(second.exit_code == 2);
  CHECK(second.err.find("3 of 6 points already finished, 3 to run") != std::string::npos);
  CHECK(fs::last_write_time(kept) == written);

  // A changed pipeline does not resume into the old sweep.
  const auto changed = run_command(thermo_command_in(dir, "run p.yaml --out out --resume train.iters=301"));
  CHECK(changed.exit_code == 2);
  CHECK(changed.err.find("this sweep was started with another pipeline") != std::string::npos);
}

TEST_CASE("--dry-run lists every point with its overrides and runs nothing") {
  const auto dir = scratch_dir("dry-run");
  write_file(dir / "p.yaml", toy_pipeline("dry", "op", "[0.1, 1]", 100));
  const auto result = run_command(thermo_command_in(dir, "run p.yaml --dry-run"));
  CHECK(result.exit_code == 0);
  CHECK(result.out == "000-elr0.1  optimizer.elr=0.1\n001-elr1  optimizer.elr=1\n");
  CHECK_FALSE(fs::exists(dir / "runs"));
}

TEST_CASE("--slurm takes one key=value each; the overrides after it stay overrides") {
  const auto dir = scratch_dir("slurm-dry-run");
  write_file(dir / "p.yaml", toy_pipeline("dry", "op", "[0.1, 1]", 100));
  const auto result = run_command(
      thermo_command_in(dir, "run p.yaml --out out --executor slurm --slurm time=0:30:00 --slurm partition=short "
                             "'sweep={optimizer.elr: [0.1, 0.2, 0.3]}' --dry-run"));
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("#SBATCH --time=0:30:00") != std::string::npos);
  CHECK(result.out.find("#SBATCH --partition=short") != std::string::npos);
  CHECK(result.out.find("#SBATCH --array=0-2") != std::string::npos);
}

TEST_CASE("a killed sweep leaves no point running") {
  const auto dir = scratch_dir("sweep-killed");
  // One long point in a child process; the sweep's process is killed while it runs.
  write_file(dir / "p.yaml", R"(thermo: 1
name: killed
backend: cpu
dataset: {plugin: sphere_points, preset: up}
model: {plugin: sphere_toy}
optimizer: {plugin: sphere_sgd, elr: 0.1}
train: {iters: 100000000, batch_size: 1, log: {every: 1000000}}
sweep: {optimizer.elr: [0.1, 0.2]}
executor: {jobs: 1}
)");
  // Children run `thermo _point killed-sweep/runs/...`; "[_]point" keeps pgrep from matching
  // this shell's own command line.
  const std::string find_point = "pgrep -f '[_]point killed-sweep/runs' > /dev/null";
  const auto result =
      run_command(thermo_command_in(dir,
                                    "-q run p.yaml --out killed-sweep > console.txt 2>&1 & sweep=$!; "
                                    "for i in $(seq 50); do " +
                                        find_point + " && break; sleep 0.1; done; " + find_point +
                                        " || echo 'no point started'; kill -9 $sweep; sleep 1; " + find_point +
                                        " && echo 'a point outlived its sweep'; "
                                        "pkill -f '[_]point killed-sweep/runs'; true"));
  INFO(result.out << result.err << read_file(dir / "console.txt"));
  CHECK(result.out.find("no point started") == std::string::npos);
  CHECK(result.out.find("outlived") == std::string::npos);
}
