#pragma once
// The slurm executor: a prepared sweep directory goes to a Slurm cluster as one job array (one
// task per unfinished point, each running `thermo _point SWEEP --index I`) and, when the pipeline
// has analyses or a report, a job that depends on the array (`afterok`) and runs them. The
// scripts land in <sweep>/slurm/ (points.sbatch, stages.sbatch), the job ids in
// <sweep>/slurm/jobs.json, the tasks' output in <sweep>/slurm/point-<index>.out.
// Preemption: Slurm sends the batch shell `executor.slurm.signal` (B:USR1@300 by default); the
// script passes it to thermo, which writes its resume state and stops, then requeues the task,
// which resumes when it starts again. A task whose point is finished exits at once.

#include "config/pipeline.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace thermo::engine {

struct SlurmScriptOptions {
  std::filesystem::path thermo;           // the thermo binary the tasks run (absolute)
  std::vector<std::string> plugin_paths;  // --plugin-path for the tasks (absolute)
  std::string backend;                    // --backend for the tasks, "" for the pipeline's
  double checkpoint_every = -1.0;         // --checkpoint-every, < 0 for the pipeline's
  bool ignore_memory_limit = false;       // --ignore-memory-limit: tasks skip their memory check
};

struct SlurmScripts {
  std::string array;   // "0-21%4": the --array value
  std::string points;  // points.sbatch
  std::string stages;  // stages.sbatch; empty without analyses and report
};

// The scripts for `indices` (the unfinished points) of the sweep in `sweep_dir` (absolute).
[[nodiscard]] SlurmScripts slurm_scripts(const Pipeline& pipeline, const std::filesystem::path& sweep_dir,
                                         const std::vector<std::size_t>& indices, const SlurmScriptOptions& options);

struct SlurmJobs {
  std::string array_job;   // the array's job id
  std::string stages_job;  // the dependent job's id, or ""
};

// Writes the scripts into <sweep>/slurm/, submits them with `sbatch --parsable` and records the
// ids in jobs.json. UserError with sbatch's message when a submission fails.
SlurmJobs submit_to_slurm(const std::filesystem::path& sweep_dir, const SlurmScripts& scripts);

// "0-3,5,7-9": indices (sorted, unique) as Slurm's array ranges.
[[nodiscard]] std::string array_ranges(const std::vector<std::size_t>& indices);

// A word quoted for bash ('it'\''s').
[[nodiscard]] std::string shell_quote(const std::string& word);

}  // namespace thermo::engine
