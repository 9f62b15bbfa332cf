// The CLI on real plugins: a malformed pipeline's errors (golden), every pipeline of the
// repository validates, a missing data set fails clearly without losing the run directory, and
// `thermo analyze` on a table.
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

using namespace thermo::testing;
namespace fs = std::filesystem;

TEST_CASE("a malformed pipeline: every error at once, compiler-style, exit code 2") {
  const auto dir = scratch_dir("cli-malformed");
  fs::copy_file(source_dir() / "tests/cli/golden/malformed.yaml", dir / "malformed.yaml");
  const auto result = run_command(thermo_command_in(dir, "validate malformed.yaml"));
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  // The golden names the backends as <BACKENDS>: the build's backend plugins (cuda only where
  // CUDA and cuDNN were found).
  std::string known = "auto";
  for (const auto& name : test_registry().names(thermo::PluginKind::backend)) known += ", " + name;
  std::string expected = read_file(source_dir() / "tests/cli/golden/malformed.expected");
  expected.replace(expected.find("<BACKENDS>"), std::string("<BACKENDS>").size(), known);
  CHECK(result.err == expected);
}

TEST_CASE("every pipeline in pipelines/ validates") {
  const auto result = run_thermo("validate " + (source_dir() / "pipelines" / "*.yaml").string());
  INFO(result.err);
  CHECK(result.exit_code == 0);
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(source_dir() / "pipelines")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    CHECK(result.out.find(entry.path().string() + ": ok") != std::string::npos);
  }
  CHECK(count >= 10);
}

TEST_CASE("a run whose data set is missing fails with the data set's message and keeps its directory") {
  const auto dir = scratch_dir("cli-missing-data");
  write_file(dir / "p.yaml", R"(thermo: 1
name: missing
backend: cpu
dataset: {plugin: cifar10, path: no-such-folder}
model: {plugin: convnet, channels: 2}
optimizer: {plugin: sphere_sgd, elr: 0.01}
train: {iters: 10}
)");
  const auto result = run_command(thermo_command_in(dir, "-q run p.yaml --out out"));
  CHECK(result.exit_code == 2);
  CHECK(result.err.find((dir / "no-such-folder").string()) != std::string::npos);
  CHECK(result.err.find("tools/get-cifar.sh") != std::string::npos);
  const std::string summary = read_file(dir / "out" / "summary.json");
  CHECK(summary.find("\"status\": \"failed\"") != std::string::npos);
  CHECK(fs::exists(dir / "out" / "config.yaml"));
  CHECK(fs::exists(dir / "out" / "log.txt"));
}

TEST_CASE("thermo analyze TABLE.csv: temperatures and free energies of measurements from elsewhere") {
  const auto dir = scratch_dir("cli-table");
  // U and S of a Gaussian system at T = 0.05·η (U = T, S = ln T + const): the bounds hold T.
  std::string table = "lr,U,S\n";
  for (double lr : {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1}) {
    const double t = 0.05 * lr;
    table += std::to_string(lr) + "," + std::to_string(t) + "," + std::to_string(std::log(t) + 3.0) + "\n";
  }
  write_file(dir / "table.csv", table);
  const auto result = run_command(thermo_command_in(dir, "-q analyze table.csv eps=0"));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == "analysis: table-thermo/analysis\n");  // relative, as the table was named
  for (const char* file : {"temperature.csv", "temperature.json", "free_energy.csv", "free_energy.json"}) {
    CHECK(fs::exists(dir / "table-thermo" / "analysis" / file));
  }
  const auto report = run_command(thermo_command_in(dir, "-q report table-thermo"));
  INFO(report.err);
  CHECK(report.exit_code == 0);
  CHECK(fs::exists(dir / "table-thermo" / "report" / "temperature.svg"));

  write_file(dir / "bad.csv", "lr,U\n0.1,1\n");
  const auto bad = run_command(thermo_command_in(dir, "-q analyze bad.csv"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "bad.csv:1:1: error: a table to analyse needs the columns lr, U and S; 'S' is missing\n");
}

TEST_CASE("--threads reaches the models an analysis builds") {
  const auto dir = scratch_dir("cli-analysis-threads");
  write_file(dir / "p.yaml", R"(thermo: 1
name: threads
backend: cpu
dataset: null
model: {plugin: convnet, channels: 2}
train: null
analysis:
  - {plugin: uniform_reference, points: 20, repeats: 1}
)");
  const auto result = run_command(thermo_command_in(dir, "run p.yaml --out out --threads 1"));
  INFO(result.err);
  CHECK(result.exit_code == 0);
  // Every backend the command made (the run's and the analysis's) says "1 thread".
  CHECK(result.err.find("1 thread,") != std::string::npos);
  CHECK(result.err.find(" threads,") == std::string::npos);
}
