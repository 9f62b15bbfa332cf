// What a run does when the world fails under it, end to end through `thermo run`: a full disk
// (a real tmpfs) and a disk that fails on one file (LD_PRELOAD), a learning rate that diverges,
// and SIGTERM to a sweep, which its points answer by writing their resume states.
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <string>

using namespace thermo::testing;
namespace fs = std::filesystem;

namespace {

bool mount_small_disk(const fs::path& dir, int kilobytes) {
  return ::geteuid() == 0 &&
         run_command("mount -t tmpfs -o size=" + std::to_string(kilobytes) + "k thermo-test '" + dir.string() + "'")
                 .exit_code == 0;
}

}  // namespace

TEST_CASE("a full disk ends the run with exit code 3, a message naming the file and the space, and whole files") {
  const auto dir = scratch_dir("full-disk");
  const auto disk = dir / "disk";
  fs::create_directories(disk);
  if (!mount_small_disk(disk, 256)) {
    MESSAGE("skipped: mounting a tmpfs needs root (CI runs as root)");
    return;
  }
  write_file(dir / "p.yaml", toy_pipeline("full", "up", "null", 20000));
  const auto result = run_command(thermo_command_in(dir, "-q run p.yaml --out disk/out 'train.log={every: 1}'"));
  INFO(result.out << result.err);
  CHECK(result.exit_code == 3);
  CHECK(result.err.find("No space left on device") != std::string::npos);
  CHECK(result.err.find("free there") != std::string::npos);
  // What was written before stays whole: the configuration, and every row of metrics.csv.
  CHECK(read_file(disk / "out" / "config.yaml").find("name: full") != std::string::npos);
  const auto table = read_metrics(disk / "out");
  CHECK(table.row_count() > 100);
  static_cast<void>(run_command("umount '" + disk.string() + "'"));
}

TEST_CASE("a disk that fails on metrics.csv: status failed in summary.json with the message, exit code 3") {
  const auto dir = scratch_dir("injected-failure");
  write_file(dir / "p.yaml", toy_pipeline("injected", "up", "null", 2000));
  const std::string preload = std::string("export LD_PRELOAD='") + THERMO_INJECT_LIBRARY +
                              "' THERMO_TEST_FAIL_WRITE=metrics.csv THERMO_TEST_FAIL_AFTER_BYTES=3000; ";
  const auto result = run_command(preload + thermo_command_in(dir, "-q run p.yaml --out out 'train.log={every: 1}'"));
  INFO(result.out << result.err);
  CHECK(result.exit_code == 3);
  const auto summary = read_json(dir / "out" / "summary.json");
  CHECK(summary["status"] == "failed");
  CHECK(summary["message"].get<std::string>().find("metrics.csv") != std::string::npos);
  CHECK(summary["message"].get<std::string>().find("No space left on device") != std::string::npos);
  const std::string metrics = read_file(dir / "out" / "metrics.csv");
  CHECK(metrics.size() <= 3000);
  CHECK(metrics.back() == '\n');  // the failed row was taken back: whole lines only
  CHECK(read_metrics(dir / "out").row_count() > 10);

  SUBCASE("in a sweep, the point fails and no further point starts") {
    write_file(dir / "s.yaml", toy_pipeline("injected_sweep", "up", "[0.1, 0.2, 0.3]", 2000));
    const auto sweep = run_command(preload + thermo_command_in(dir, "run s.yaml --out sweep 'train.log={every: 1}'"));
    INFO(sweep.out << sweep.err);
    CHECK(sweep.exit_code == 3);
    CHECK(sweep.err.find("were not started") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "sweep" / "runs" / "002-elr0.3" / "metrics.csv"));
  }
}

TEST_CASE("a learning rate that diverges is a result: diverged, the last finite metrics, the sweep goes on") {
  const auto dir = scratch_dir("diverges");
  // A float32 step of 1e39 overflows the weights to inf at the first step.
  write_file(dir / "p.yaml", R"(thermo: 1
name: diverges
backend: cpu
dataset: {plugin: synthetic, train_size: 64, test_size: 0, classes: 4}
model: {plugin: convnet, channels: 2}
loss: cross_entropy
optimizer: {plugin: sphere_sgd, elr: 0.01}
train: {iters: 20, batch_size: 16, log: {every: 5}, checkpoints: [0, 10]}
sweep: {optimizer.elr: [1e39, 0.01]}
executor: {jobs: 1}
)");
  const auto result = run_command(thermo_command_in(dir, "-q run p.yaml --out out --checkpoint-every 0"));
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("1 completed, 1 diverged, 0 failed") != std::string::npos);
  fs::path run;
  for (const auto& entry : fs::directory_iterator(dir / "out" / "runs")) {
    if (entry.path().filename().string().rfind("000-", 0) == 0) run = entry.path();
  }
  REQUIRE_FALSE(run.empty());
  const auto summary = read_json(run / "summary.json");
  CHECK(summary["status"] == "diverged");
  CHECK(summary["diverged_at"] == 1);
  CHECK(summary["message"].get<std::string>().find("at iteration 1") != std::string::npos);
  CHECK(summary["metrics"]["iteration"] == 0.0);  // the last row whose loss was finite
  CHECK(summary["metrics"]["train_loss"].is_number());
  CHECK(fs::exists(run / "checkpoints" / "params_00000000.npy"));
  // No resume state of a diverged network is written.
  CHECK_FALSE(fs::exists(run / "state" / "state-0000000001.thermo"));
}

TEST_CASE("SIGTERM to a sweep: its points write their resume states and stop; --resume finishes them") {
  const auto dir = scratch_dir("sweep-signal");
  write_file(dir / "p.yaml", toy_pipeline("signal", "up", "[0.1, 0.2]", 4000000));
  // `cd dir && thermo ... &` runs in a background subshell: the wait loop names dir in full.
  const std::string runs = (dir / "out" / "runs").string();
  const auto result = run_command(
      "{ " +
      thermo_command_in(dir,
                        "-q run p.yaml --out out --checkpoint-every 1000 "
                        "'train.log={every: 10000000}' executor.in_process=false executor.jobs=2") +
      " & sweep=$!; for i in $(seq 100); do [ -f '" + runs + "/000-elr0.1/progress.json' ] && [ -f '" + runs +
      "/001-elr0.2/progress.json' ] && break; sleep 0.1; done; sleep 0.5; "
      "kill -TERM $sweep; wait $sweep; echo \"exit $?\"; }");
  INFO(result.out << result.err);
  CHECK(result.out.find("exit 4") != std::string::npos);
  CHECK(result.out.find("2 interrupted") != std::string::npos);
  for (const char* point : {"000-elr0.1", "001-elr0.2"}) {
    const auto run = dir / "out" / "runs" / point;
    CHECK(read_json(run / "summary.json")["status"] == "interrupted");
    CHECK_FALSE(fs::is_empty(run / "state"));
  }
  const auto manifest = read_json(dir / "out" / "manifest.json");
  CHECK(manifest["points"][0]["status"] == "interrupted");
  const auto status = run_command(thermo_command_in(dir, "status out"));
  CHECK(status.out.find("2 points: 2 interrupted") != std::string::npos);
  CHECK(status.out.find("its resume state is written") != std::string::npos);
  // Resumed with fewer iterations left: the points continue from their states, not from 0.
  const auto resumed = run_command(thermo_command_in(
      dir, "-q run p.yaml --out out --resume 'train.log={every: 10000000}' executor.in_process=false executor.jobs=2"));
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("2 completed") != std::string::npos);
  CHECK(read_file(dir / "out" / "runs" / "000-elr0.1" / "log.txt").find("resuming at iteration") != std::string::npos);
}
