// The log step's memory: the trajectory queue is measured first and suspended (spilled to a file
// when the next log point still needs it) while the M stochastic gradients are computed. Neither
// the order nor the suspension changes a number: the columns of each estimator equal those of a
// run where it is alone (no suspension then), and the test loss sees the same passes.
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace thermo::testing;
namespace fs = std::filesystem;

namespace {

std::string pipeline(const std::string& estimators) {
  return R"(thermo: 1
name: memory
backend: cpu
dataset: {plugin: synthetic, train_size: 256, test_size: 256, classes: 10, seed: 3}
model: {plugin: convnet, channels: 4}
loss: cross_entropy
optimizer: {plugin: sphere_sgd, elr: 0.01}
train: {iters: 40, batch_size: 32, seed: 1, log: {every: 5}}
estimators: )" +
         estimators + "\n";
}

const char* const kNoise = "{plugin: gradient_noise, samples: 10, ks: [1, 5]}";
const char* const kQueue = "{plugin: knn_entropy, queue: 12, ks: [1, 5]}";

thermo::MetricsTable run(const fs::path& dir, const std::string& name, const std::string& estimators) {
  write_file(dir / (name + ".yaml"), pipeline(estimators));
  const auto result = run_command(thermo_command_in(dir, "-q run " + name + ".yaml --out " + name + " --threads 1"));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_FALSE(fs::exists(dir / name / "state" / "estimators.1.queue"));  // the spill is gone
  return read_metrics(dir / name);
}

void check_same_columns(const thermo::MetricsTable& a, const thermo::MetricsTable& b, bool with_test = true) {
  for (const auto& name : b.columns()) {
    if (!with_test && name.rfind("test_", 0) == 0) continue;
    INFO(name);
    const auto left = a.column(name);
    const auto right = b.column(name);
    REQUIRE(left.size() == right.size());
    for (std::size_t i = 0; i < left.size(); ++i) {
      CHECK(((std::isnan(left[i]) && std::isnan(right[i])) || left[i] == right[i]));
    }
  }
}

}  // namespace

TEST_CASE("suspending the queue in the log step changes no number") {
  const auto dir = scratch_dir("log-step-memory");
  const auto both = run(dir, "both", std::string("[") + kNoise + ", " + kQueue + "]");
  const auto noise = run(dir, "noise", std::string("[") + kNoise + "]");
  const auto queue = run(dir, "queue", std::string("[") + kQueue + "]");
  check_same_columns(both, noise);  // the stochastic gradients, and the test loss after them
  // The trajectory entropy, from a queue that was spilled and read back. (The test loss differs:
  // without the stochastic gradients' training-mode passes the running statistics are others.)
  check_same_columns(both, queue, false);
  // Log points every 5 iterations with a queue of 12: the queue spans log points, so it was kept.
  const auto entropy = both.column("entropy_k5");
  CHECK(std::isnan(entropy[2]));     // iteration 10: 10 iterates seen
  CHECK(std::isfinite(entropy[3]));  // iteration 15: iterates 4..15
  CHECK(std::isfinite(entropy[8]));  // iteration 40
}
