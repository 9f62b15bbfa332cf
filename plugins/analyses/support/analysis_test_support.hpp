#pragma once
// For the analysis plugins' tests: a generated sweep directory (manifest.json, runs/<label>/metrics.csv and
// summary.json) in the layout the engine writes.

#include <thermo/experiment.hpp>
#include <thermo/params.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace thermo::analysis_test {

struct GeneratedRun {
  std::string label;                 // "000-elr0.1"
  nlohmann::json overrides;          // {"optimizer.elr": 0.1}
  std::string status = "completed";  // written to summary.json and the manifest
  MetricsTable metrics;              // written as metrics.csv unless it has no columns
  // summary.json's learning_rate, as a run records it (lr = elr·radius²); unset: the overrides'
  // optimizer.elr (radius 1), when there is one.
  std::optional<double> learning_rate = std::nullopt;
};

// Writes a sweep directory under `dir` whose config is `config` and whose swept keys are
// `swept_keys`.
inline void write_sweep(const std::filesystem::path& dir, const nlohmann::json& config,
                        const std::vector<std::string>& swept_keys, const std::vector<GeneratedRun>& runs) {
  nlohmann::json manifest = {{"name", dir.filename().string()}, {"config", config}, {"swept_keys", swept_keys}};
  manifest["points"] = nlohmann::json::array();
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const auto& run = runs[index];
    const std::string run_dir = "runs/" + run.label;
    manifest["points"].push_back({{"index", index},
                                  {"label", run.label},
                                  {"dir", run_dir},
                                  {"overrides", run.overrides},
                                  {"status", run.status}});
    std::filesystem::create_directories(dir / run_dir);
    nlohmann::json summary = {{"status", run.status}};
    if (run.learning_rate) {
      summary["learning_rate"] = *run.learning_rate;
    } else if (run.overrides.is_object() && run.overrides.contains("optimizer.elr")) {
      summary["learning_rate"] = run.overrides["optimizer.elr"];
    }
    std::ofstream(dir / run_dir / "summary.json") << summary.dump();
    if (!run.metrics.columns().empty()) run.metrics.write_csv(dir / run_dir / "metrics.csv");
  }
  std::ofstream(dir / "manifest.json") << manifest.dump(2);
}

}  // namespace thermo::analysis_test
