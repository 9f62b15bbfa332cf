#pragma once
// Executes one run into its directory: config.yaml (the resolved pipeline), log.txt, metrics.csv,
// timing.csv, checkpoints/, state/ (resume states) and summary.json — written even when the run
// fails, so that nothing computed is lost and a sweep can tell what happened. With `resume`, the
// run continues from its newest valid resume state (from the start when it has none).

#include "config/pipeline.hpp"
#include "registry/plugin_registry.hpp"
#include "run/progress.hpp"

#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>

namespace thermo::engine {

struct RunOptions {
  std::int64_t threads = 0;  // overrides the pipeline's `threads` when > 0
  std::string backend;       // overrides the pipeline's `backend` when non-empty
  Progress::Style progress = Progress::Style::plain;
  std::string label;               // prefix of progress lines
  bool resume = false;             // continue from the newest valid resume state in the run directory
  bool force = false;              // with resume: accept a state of another configuration, version or backend
  double checkpoint_every = -1.0;  // seconds between resume states; < 0: the pipeline's executor.checkpoint_every
  double progress_every = -1.0;    // seconds between plain progress lines and progress.json; < 0: 10 and 30
};

struct RunResult {
  std::string status;  // completed | diverged | interrupted | failed
  std::string message;
  std::int64_t iterations = 0;
  double seconds = 0.0;
  std::exception_ptr error;  // what made it fail, for the CLI to report
};

RunResult execute_run(const Pipeline& pipeline, const std::filesystem::path& run_dir, PluginRegistry& registry,
                      const RunOptions& options);

// Exit code of the CLI for a run's status: 0 for completed and diverged (a diverged run is a
// result), 2 for a failure caused by bad input, 3 when a file could not be written (full disk),
// 4 when a signal stopped it (its resume state is written), 1 for an internal error.
[[nodiscard]] int exit_code_for(const RunResult& result);

}  // namespace thermo::engine
