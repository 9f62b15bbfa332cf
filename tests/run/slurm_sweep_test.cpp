// Sweeps on a real Slurm (tools/slurm-local.sh start; tools/test.sh starts one): the toy and a
// short Fashion-MNIST ConvNet sweep go through `--executor slurm` as job arrays; one ConvNet task
// gets the preemption signal (scancel -b -s USR1), writes its resume state, requeues itself and
// resumes; each sweep's metrics and analysis equal those of the local executor, byte for byte.
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace thermo::testing;
namespace fs = std::filesystem;

namespace {

bool slurm_answers() {
  return run_command("sinfo -h -o %T | grep -q idle").exit_code == 0;
}

std::string array_job(const fs::path& sweep) {
  return read_json(sweep / "slurm" / "jobs.json")["submissions"].back()["array_job"].get<std::string>();
}

std::string stages_job(const fs::path& sweep) {
  return read_json(sweep / "slurm" / "jobs.json")["submissions"].back()["stages_job"].get<std::string>();
}

bool in_queue(const std::string& job) {
  return !run_command("squeue -h -j " + job).out.empty();
}

// Waits until the jobs have left the queue (up to `seconds`).
bool wait_until_done(const std::vector<std::string>& jobs, int seconds) {
  for (int i = 0; i < seconds * 2; ++i) {
    bool any = false;
    for (const auto& job : jobs) any = any || in_queue(job);
    if (!any) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

// The same pipeline through the local executor, one thread per point like the Slurm tasks.
void run_locally(const fs::path& dir, const std::string& pipeline) {
  const auto local = run_command(thermo_command_in(dir, "-q run " + pipeline + " --out local --threads 1 --jobs 1"));
  INFO(local.out << local.err);
  REQUIRE(local.exit_code == 0);
}

const char* const kToy = R"(thermo: 1
name: slurm_toy
backend: cpu
dataset: {plugin: sphere_points, preset: up}
model: {plugin: sphere_toy, start: [-0.8, 0.6, 0.1]}
optimizer: {plugin: sphere_sgd, elr: 0.1}
train: {iters: 20000, batch_size: 1, seed: 1, log: {first: [1, 99], logspace: {start: 2, num: 101}}}
estimators: [{plugin: gradient_noise, exhaustive: true, ks: []}]
sweep: {optimizer.elr: [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]}
executor: {in_process: true}
analysis:
  - {plugin: stationary, window: 20}
)";

const char* const kConvNet = R"(thermo: 1
name: slurm_convnet
backend: cpu
dataset: {plugin: fashion_mnist, path: /usr/share/datasets/fashion-mnist, samples_per_label: 60, seed: 1, test: false}
model: {plugin: convnet, channels: 8, last_layer_norm: 10.0, init_seed: 1, head_seed: 4}
loss: cross_entropy
optimizer: {plugin: sphere_sgd, elr: 0.01}
train: {iters: 120, batch_size: 32, seed: 1, log: {every: 20}}
estimators:
  - {plugin: gradient_noise, samples: 20, ks: []}
  - {plugin: knn_entropy, queue: 20, ks: [1, 5]}
sweep: {optimizer.elr: [0.003, 0.03]}
analysis:
  - {plugin: stationary, window: 4}
)";

}  // namespace

TEST_CASE("slurm: a toy sweep as a job array gives the local executor's analysis") {
  if (!slurm_answers()) {
    MESSAGE("skipped: no Slurm answers (start one with tools/slurm-local.sh start; tools/test.sh does)");
    return;
  }
  const auto dir = scratch_dir("slurm-toy");
  write_file(dir / "p.yaml", kToy);
  const auto submitted =
      run_command(thermo_command_in(dir, "-q run p.yaml --out cluster --executor slurm --slurm cpus_per_task=1"));
  INFO(submitted.out << submitted.err);
  REQUIRE(submitted.exit_code == 0);
  CHECK(submitted.out.find("submitted job array") != std::string::npos);
  const auto cluster = dir / "cluster";
  REQUIRE(wait_until_done({array_job(cluster), stages_job(cluster)}, 600));
  run_locally(dir, "p.yaml");
  for (const auto& entry : fs::directory_iterator(dir / "local" / "runs")) {
    const auto name = entry.path().filename();
    INFO(name);
    CHECK(read_file(entry.path() / "metrics.csv") == read_file(cluster / "runs" / name / "metrics.csv"));
  }
  CHECK(read_file(dir / "local" / "analysis" / "stationary.csv") == read_file(cluster / "analysis" / "stationary.csv"));
  const auto status = run_command(thermo_command_in(dir, "status cluster"));
  CHECK(status.out.find("6 points: 6 completed") != std::string::npos);
  // Submitting a finished sweep again submits nothing.
  const auto again = run_command(thermo_command_in(dir, "-q run p.yaml --out cluster --resume --executor slurm"));
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("every point has finished; nothing to submit") != std::string::npos);
}

TEST_CASE("slurm: a preempted task writes its state, requeues, resumes, and the sweep equals the local one") {
  if (!slurm_answers()) {
    MESSAGE("skipped: no Slurm answers (start one with tools/slurm-local.sh start; tools/test.sh does)");
    return;
  }
  const auto dir = scratch_dir("slurm-convnet");
  write_file(dir / "p.yaml", kConvNet);
  const auto submitted = run_command(thermo_command_in(
      dir, "-q run p.yaml --out cluster --executor slurm --slurm cpus_per_task=1 --checkpoint-every 1"));
  INFO(submitted.out << submitted.err);
  REQUIRE(submitted.exit_code == 0);
  const auto cluster = dir / "cluster";
  const std::string task = array_job(cluster) + "_0";
  const auto point = cluster / "runs" / "000-elr0.003";

  // Preempt task 0 once it has written a resume state.
  bool has_state = false;
  for (int i = 0; i < 600 && !has_state; ++i) {
    has_state = fs::exists(point / "state") && !fs::is_empty(point / "state");
    if (!has_state) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(has_state);
  CHECK(run_command("scancel -b -s USR1 " + task).exit_code == 0);
  // Slurm holds a requeued batch job for two minutes; release it at once.
  bool requeued = false;
  for (int i = 0; i < 300 && !requeued; ++i) {
    requeued = run_command("squeue -h -j " + task + " -o %T").out.find("PENDING") != std::string::npos;
    if (!requeued) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(requeued);
  const auto status = run_command(thermo_command_in(dir, "status cluster"));
  CHECK(status.out.find("interrupted") != std::string::npos);
  CHECK(status.out.find("slurm: PENDING") != std::string::npos);
  // Not within the second of the requeue: slurmd refuses a launch whose credential is as old, to
  // the second, as the kill's revocation ("Job N already killed, do not launch batch job"), and the
  // task would fail at once (seen under the sanitizers, where everything is slower to end).
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(run_command("scontrol update JobId=" + task + " StartTime=now").exit_code == 0);
  REQUIRE(wait_until_done({array_job(cluster), stages_job(cluster)}, 900));

  const std::string task_output = read_file(cluster / "slurm" / "point-0.out");
  INFO(task_output);
  CHECK(task_output.find("preempted; requeueing") != std::string::npos);
  CHECK(read_file(point / "log.txt").find("resuming at iteration") != std::string::npos);
  CHECK(read_json(point / "summary.json")["status"] == "completed");

  run_locally(dir, "p.yaml");
  for (const char* name : {"000-elr0.003", "001-elr0.03"}) {
    INFO(name);
    CHECK(read_file(dir / "local" / "runs" / name / "metrics.csv") ==
          read_file(cluster / "runs" / name / "metrics.csv"));
  }
  CHECK(read_file(dir / "local" / "analysis" / "stationary.csv") == read_file(cluster / "analysis" / "stationary.csv"));
}
