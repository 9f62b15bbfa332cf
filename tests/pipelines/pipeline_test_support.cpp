#include "pipeline_test_support.hpp"

#include <fmt/format.h>

namespace thermo::testing {

std::string toy_pipeline(const std::string& name, const std::string& preset, const std::string& lrs, int iterations,
                         const std::string& extra) {
  return fmt::format(R"(thermo: 1
name: {}
backend: cpu
dataset: {{plugin: sphere_points, preset: {}}}
model: {{plugin: sphere_toy}}
optimizer: {{plugin: sphere_sgd, elr: 0.1}}
train: {{iters: {}, batch_size: 1, seed: 1, log: {{first: [1, 99], logspace: {{start: 2, num: 101}}}}}}
estimators: [{{plugin: gradient_noise, exhaustive: true, ks: []}}]
{}
executor: {{in_process: true}}
{})",
                     name, preset, iterations, lrs == "null" ? std::string("sweep: null") : "sweep: {optimizer.elr: " + lrs + "}",
                     extra);
}

nlohmann::json read_json(const std::filesystem::path& file) { return nlohmann::json::parse(read_file(file)); }

MetricsTable read_metrics(const std::filesystem::path& run_dir) { return MetricsTable::read_csv(run_dir / "metrics.csv"); }

}  // namespace thermo::testing
