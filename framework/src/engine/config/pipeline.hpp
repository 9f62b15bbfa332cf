#pragma once
// A pipeline after loading, overrides and validation: what the runner, the sweep executor and
// the stages consume. Produced by load_pipeline (config/load_pipeline.hpp).

#include <thermo/backend.hpp>
#include <thermo/error.hpp>
#include <thermo/params.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace thermo::engine {

inline constexpr int kPipelineSchemaVersion = 1;

// `key=value` from the command line or one coordinate of a sweep point. The value is YAML text
// (`0.1`, `[]`, `null`, `{every: 10}`), parsed as YAML when applied.
struct Override {
  std::string key;         // dotted path, list elements by index: estimators.0.k
  std::string value_yaml;
  std::string origin;      // "command line" or "sweep"; used in error locations
};

// Parses `key=value`; UserError naming the argument when there is no '=' or the key is empty.
[[nodiscard]] Override parse_override(const std::string& argument);

struct PluginSection {
  std::string plugin;
  Params params;              // validated, defaults filled, paths resolved against the pipeline
  SourceLocation location;    // of the section's map in the pipeline file
  std::string key_path;       // "model", "estimators.1", "analysis.0"
};

// Which iterations something happens at (logging, checkpoints).
struct ScheduleSpec {
  enum class Kind {
    none,      // never
    paper,     // logging: {0..9} ∪ int(logspace(1, log10 T, 193)); checkpoints: {0} ∪ int(logspace(4, log10 T, 9))
    every,     // 0, every, 2·every, ..., and T
    list,      // explicit iterations
    log_range, // {first[0]..first[1]} ∪ int(logspace(log_start, log10 T, log_points))
  };
  Kind kind = Kind::none;
  std::int64_t every = 0;
  std::vector<std::int64_t> iterations;
  std::int64_t first_begin = 0;
  std::int64_t first_end = -1;   // empty range when < first_begin
  double log_start = 1.0;
  std::int64_t log_points = 0;
};

struct TrainSection {
  std::int64_t iterations = 0;
  std::int64_t batch_size = 128;
  std::string sampler = "iid";   // iid | epochs
  std::uint64_t seed = 1;
  ScheduleSpec log;              // default paper
  ScheduleSpec checkpoints;      // default none
};

// How a sweep's points reach a Slurm cluster (executor.slurm, or --slurm key=value).
struct SlurmSettings {
  std::string partition;            // -p; "" lets Slurm choose
  std::string time;                 // --time per task, e.g. "2-00:00:00"; "" for the partition's
  std::int64_t cpus_per_task = 0;   // 0: Slurm's default; thermo's threads follow it
  std::string gpus;                 // --gpus per task, e.g. "1" or "a100:1"; "" for none
  std::string memory;               // --mem, e.g. "16G"
  std::string account;
  std::string qos;
  std::int64_t concurrent = 0;      // at most this many tasks at once (--array=...%C); 0: no limit
  std::string signal = "B:USR1@300";  // preemption warning: checkpoint, then requeue
  std::vector<std::string> extra;   // more #SBATCH lines' options, e.g. "--constraint=a100"
  std::string analysis_time = "1:00:00";  // --time of the dependent job (analyses and report)
};

struct ExecutorSection {
  std::string kind = "local";        // local | slurm
  std::int64_t jobs = 1;
  bool in_process = false;           // run the points in the engine's process (cheap runs: the toy)
  double checkpoint_every = 300.0;   // seconds of training between resume states (0: only on signals and at the end)
  SlurmSettings slurm;
};

// One swept key with its values (YAML texts), generators already expanded.
struct SweepAxis {
  std::string key;
  std::vector<std::string> values_yaml;
  SourceLocation location;
};

struct Pipeline {
  std::filesystem::path file;            // the pipeline file ("" for a pipeline built in memory)
  std::string resolved_yaml;             // the document after overrides and ${VAR} expansion
  nlohmann::json resolved;               // the same, as JSON
  std::string name;
  std::string description;
  std::string backend = "auto";          // auto or a backend plugin's name
  // Validated settings per backend plugin: `backend: {plugin: NAME, ...}` gives NAME's, `backend:
  // {plugin: auto, cpu: {...}, cuda: {...}}` one per plugin; a run takes its backend's, if any.
  std::map<std::string, Params> backend_settings;
  std::int64_t threads = 0;                // the run's CPU threads; 0: every core
  std::uint64_t seed = 1;                // base of streams that have no seed of their own
  std::optional<PluginSection> dataset;
  std::optional<PluginSection> model;
  std::optional<LossKind> loss;
  std::optional<PluginSection> optimizer;
  std::optional<TrainSection> train;     // absent: the run does not train
  std::vector<PluginSection> estimators;
  std::vector<SweepAxis> sweep;          // empty: a single run
  ExecutorSection executor;
  std::vector<PluginSection> analysis;
  std::optional<PluginSection> report;
};

}  // namespace thermo::engine
