#pragma once
// The stages after training: the pipeline's analyses (in order, into <experiment>/analysis/)
// and its report (into <experiment>/report/). Used at the end of `thermo run` and by
// `thermo analyze` / `thermo report` on finished experiments.

#include "config/pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <thermo/experiment.hpp>

#include <filesystem>

namespace thermo::engine {

struct StagePaths {
  std::filesystem::path analysis_dir;
  std::filesystem::path report_dir;
};

// <experiment>/analysis and <experiment>/report.
[[nodiscard]] StagePaths stage_paths(const std::filesystem::path& experiment_dir);

// Runs every analysis the pipeline lists, but those that need a sweep (AnalysisPlugin::needs_sweep)
// when the experiment is a single run: they are named in one log line. `experiment` may be null (a
// table alone). Models an analysis builds from a run use `threads` (0: the run's own setting).
void run_analyses(const Pipeline& pipeline, const Experiment* experiment, const std::filesystem::path& analysis_dir,
                  PluginRegistry& registry, std::int64_t threads = 0);

// Runs the pipeline's report, or `default_report` when the pipeline names none (empty: skip).
void run_report(const Pipeline& pipeline, const Experiment* experiment, const StagePaths& paths,
                PluginRegistry& registry, const std::string& default_report = "");

}  // namespace thermo::engine
