#pragma once
// What `thermo status DIR` shows: each point of a sweep (or the one run) with its state —
// pending, running (iteration, rate, ETA, from the run's progress.json), completed, diverged,
// interrupted, failed (with its message) — and, for a sweep submitted to Slurm, what squeue and
// sacct say of each task.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace thermo::engine {

struct PointStatus {
  std::size_t index = 0;
  std::string label;
  std::string status;  // from summary.json, else the manifest's
  std::string message;
  std::int64_t iteration = -1;  // from progress.json (-1: unknown)
  std::int64_t iterations = 0;
  double iterations_per_second = 0.0;
  double eta_seconds = -1.0;
  std::int64_t updated_seconds_ago = -1;
  std::string phase;  // "training", "log step: gradient_noise 300/1000 ..."
  std::string slurm;  // the task's Slurm state ("RUNNING", "PENDING (Priority)"), or ""
};

struct SweepStatus {
  std::string name;
  bool is_sweep = false;
  std::vector<PointStatus> points;
  std::string slurm_job;   // the array's job id when the sweep was submitted to Slurm
  std::string slurm_note;  // why Slurm could not be asked, or ""
};

[[nodiscard]] SweepStatus read_sweep_status(const std::filesystem::path& dir);

// A table, one line per point, and a closing count of each state.
[[nodiscard]] std::string format_sweep_status(const SweepStatus& status);

}  // namespace thermo::engine
