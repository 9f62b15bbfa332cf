#pragma once
// What the analysis plugins share: the experiment a stage needs, the completed runs of a sweep
// sorted by learning rate (the others logged and listed), the tables earlier stages left in the
// analysis folder, and writing a stage's JSON summary.

#include <thermo/analysis.hpp>
#include <thermo/experiment.hpp>
#include <thermo/params.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace thermo::analysis_support {

// The experiment of the context; UserError naming the stage when it analyses a table alone.
[[nodiscard]] const Experiment& require_experiment(const AnalysisContext& context, std::string_view stage);

struct RateRun {
  const Experiment* experiment = nullptr;  // the run's experiment (value_of needs it)
  const RunRecord* run = nullptr;
  double learning_rate = 0.0;
};

struct RunChoice {
  std::vector<RateRun> runs;                         // ascending learning rate, then run index
  nlohmann::json skipped = nlohmann::json::array();  // [{label, index, status, reason}]
};

// The completed runs with a numeric learning rate, sorted by it: the rate each run recorded
// (summary.json `learning_rate`, lr = elr·radius²) when `lr_key` is empty, else the run's value at
// that configuration key. Runs that diverged, failed or have not finished, and runs without a
// learning rate, are logged as warnings and listed in `skipped`.
[[nodiscard]] RunChoice completed_runs_by_rate(const Experiment& experiment, const std::string& lr_key,
                                               std::string_view stage);

// Whether two learning rates are the same grid point (relative difference <= 1e-6).
[[nodiscard]] bool same_rate(double a, double b);

// The runs whose learning rate is `rate` (same_rate), from runs sorted by rate.
[[nodiscard]] std::vector<RateRun> runs_at_rate(const std::vector<RateRun>& runs, double rate);

// The printable learning rates of runs, for messages: "0.001, 0.01, 0.1".
[[nodiscard]] std::string rate_list(const std::vector<RateRun>& runs);

// A table an earlier stage wrote into the analysis folder; UserError naming the file and the stage
// that writes it when it is missing.
[[nodiscard]] MetricsTable read_stage_table(const std::filesystem::path& file, std::string_view stage,
                                            std::string_view producer);

// Writes `document` indented; NaN and infinities become null. UserError when it cannot be written.
void write_json(const std::filesystem::path& file, const nlohmann::json& document);

using thermo::add_lr_key_param;
using thermo::lr_key_from;
// For the stages' JSON: null or the key.
[[nodiscard]] nlohmann::json lr_key_json(const std::string& lr_key);

// A JSON entry for a skipped run: {label, index, status, reason}.
[[nodiscard]] nlohmann::json skipped_entry(const RunRecord& run, const std::string& reason);

}  // namespace thermo::analysis_support
