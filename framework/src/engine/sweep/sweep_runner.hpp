#pragma once
// Runs the points of a sweep on this machine, each in its own run directory under <sweep>/runs/,
// either in child processes (`jobs` at a time, threads split between them; a crash takes down
// only its point) or one after another in this process (executor.in_process: cheap runs like the
// toy). A point that diverges or fails is recorded in the manifest and the others go on.
// Resuming skips finished points and continues unfinished ones from their resume states.
// SIGTERM/SIGINT/SIGUSR1 are passed to the running points, which write their states and stop;
// no new point starts. A full disk (a point's exit code 3) also stops new points from starting.

#include "config/pipeline.hpp"
#include "registry/plugin_registry.hpp"
#include "run/progress.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace thermo::engine {

struct SweepOptions {
  std::int64_t jobs = 0;           // 0: the pipeline's executor.jobs
  std::int64_t threads = 0;        // all threads of the sweep (0: the pipeline's, else every core)
  std::string backend;             // overrides the pipeline's backend when non-empty
  bool resume = false;             // the directory holds this sweep already
  bool force = false;              // with resume: accept points' states of another version or backend
  double checkpoint_every = -1.0;  // < 0: the pipeline's executor.checkpoint_every
  double progress_every = -1.0;    // < 0: the points' defaults
  Progress::Style progress = Progress::Style::plain;
  std::vector<std::string> plugin_paths;  // passed on to the points' processes
};

struct SweepResult {
  std::size_t completed = 0;
  std::size_t diverged = 0;
  std::size_t failed = 0;
  std::size_t interrupted = 0;   // stopped by a signal, resumable
  std::size_t not_started = 0;   // left pending after a signal or a full disk
  std::size_t skipped = 0;       // finished before this invocation
  bool storage_failure = false;  // a point could not write its files: no further point was started
  int signal = 0;                // the signal that stopped the sweep, or 0
};

SweepResult execute_sweep(const Pipeline& pipeline, const std::filesystem::path& sweep_dir, PluginRegistry& registry,
                          const SweepOptions& options);

// The list `--dry-run` prints: one line per point with its label and overrides.
[[nodiscard]] std::vector<std::string> describe_sweep(const Pipeline& pipeline);

}  // namespace thermo::engine
