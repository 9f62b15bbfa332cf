#include "analysis_support.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace thermo::analysis_support {

const Experiment& require_experiment(const AnalysisContext& context, std::string_view stage) {
  if (context.experiment == nullptr) {
    throw UserError(
        fmt::format("analysis '{}' needs a sweep (or run) directory with metrics; it cannot run on a "
                    "table alone",
                    stage));
  }
  return *context.experiment;
}

nlohmann::json skipped_entry(const RunRecord& run, const std::string& reason) {
  return {{"label", run.label}, {"index", run.index}, {"status", run.status}, {"reason", reason}};
}

RunChoice completed_runs_by_rate(const Experiment& experiment, const std::string& lr_key, std::string_view stage) {
  RunChoice choice;
  for (const auto& run : experiment.runs) {
    std::string reason;
    double rate = 0.0;
    if (run.status != "completed") {
      reason = fmt::format("status '{}'", run.status);
    } else {
      const auto value = experiment.learning_rate_of(run, lr_key);
      if (value.is_number()) {
        rate = value.get<double>();
      } else if (lr_key.empty()) {
        reason =
            "no learning_rate in its summary.json (a run of an older thermo? set the analysis parameter lr_key, e.g. "
            "optimizer.elr)";
      } else {
        reason = fmt::format("no number at '{}' (set the analysis parameter lr_key)", lr_key);
      }
    }
    if (!reason.empty()) {
      logger().warn("{}: skipping run {} ({})", stage, run.label, reason);
      choice.skipped.push_back(skipped_entry(run, reason));
      continue;
    }
    choice.runs.push_back({&experiment, &run, rate});
  }
  std::stable_sort(choice.runs.begin(), choice.runs.end(), [](const RateRun& a, const RateRun& b) {
    return a.learning_rate < b.learning_rate || (a.learning_rate == b.learning_rate && a.run->index < b.run->index);
  });
  return choice;
}

nlohmann::json lr_key_json(const std::string& lr_key) {
  return lr_key.empty() ? nlohmann::json(nullptr) : nlohmann::json(lr_key);
}

bool same_rate(double a, double b) {
  return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b));
}

std::vector<RateRun> runs_at_rate(const std::vector<RateRun>& runs, double rate) {
  std::vector<RateRun> matches;
  for (const auto& run : runs) {
    if (same_rate(run.learning_rate, rate)) matches.push_back(run);
  }
  return matches;
}

std::string rate_list(const std::vector<RateRun>& runs) {
  std::string text;
  for (const auto& run : runs) text += (text.empty() ? "" : ", ") + format_number(run.learning_rate);
  return text.empty() ? "none" : text;
}

MetricsTable read_stage_table(const std::filesystem::path& file, std::string_view stage, std::string_view producer) {
  if (!std::filesystem::exists(file)) {
    throw UserError(SourceLocation{file.string()}, "",
                    fmt::format("analysis '{}' needs this file, which the '{}' analysis writes: list '{}' before "
                                "'{}' in the pipeline's analysis stages",
                                stage, producer, producer, stage));
  }
  return MetricsTable::read_csv(file);
}

void write_json(const std::filesystem::path& file, const nlohmann::json& document) {
  write_file_durably(file, document.dump(2) + '\n');
}

}  // namespace thermo::analysis_support
