// `thermo run FILE [key=value ...]`: one run, or every point of the pipeline's sweep (here, or
// as a Slurm job array with `--executor slurm`), then the pipeline's analyses and report. Also
// the hidden commands that sweeps start: `thermo _point RUN_DIR` (a point in its own process;
// `_point SWEEP_DIR --index I` for a Slurm task) and `thermo _stages SWEEP_DIR` (the analyses and
// report of a Slurm sweep, in a job that depends on its array).
#include "cli_support.hpp"
#include "commands.hpp"

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"
#include "run/json_files.hpp"
#include "run/memory_limit.hpp"
#include "run/memory_projection.hpp"
#include "run/run_directory.hpp"
#include "run/runner.hpp"
#include "stages/stage_runner.hpp"
#include "sweep/child_process.hpp"
#include "sweep/slurm_executor.hpp"
#include "sweep/sweep_directory.hpp"
#include "sweep/sweep_runner.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <optional>

namespace thermo::cli {
namespace {
namespace fs = std::filesystem;

struct RunArguments {
  fs::path file;
  std::vector<std::string> overrides;
  std::string out;
  std::string backend;
  std::string executor;            // --executor local|slurm
  std::vector<std::string> slurm;  // --slurm key=value
  std::int64_t threads = 0;
  std::int64_t jobs = 0;
  double checkpoint_every = -1.0;
  double progress_every = -1.0;
  bool resume = false;
  bool force = false;
  bool dry_run = false;
  bool ignore_memory_limit = false;
};

struct PointArguments {
  fs::path path;  // a run directory, or with --index a sweep directory
  std::int64_t index = -1;
  std::int64_t threads = 0;
  std::string backend;
  bool plain_progress = false;
  std::int64_t parent = 0;
  bool resume = false;
  bool force = false;
  bool ignore_memory_limit = false;
  double checkpoint_every = -1.0;
  double progress_every = -1.0;
};

// The command line's overrides, then --executor and --slurm as overrides of the executor section.
std::vector<engine::Override> all_overrides(const RunArguments& arguments) {
  std::vector<std::string> texts = arguments.overrides;
  if (!arguments.executor.empty()) texts.push_back("executor.kind=" + arguments.executor);
  for (const auto& setting : arguments.slurm) {
    if (setting.find('=') == std::string::npos) {
      throw UserError(fmt::format("--slurm {}: expected key=value (e.g. --slurm partition=gpu)", setting));
    }
    texts.push_back("executor.slurm." + setting);
  }
  return parse_overrides(texts);
}

// Analyses and report after the runs, when the pipeline lists them; failures here are reported
// but keep what the runs computed.
int finish_with_stages(const engine::Pipeline& pipeline, const fs::path& dir, engine::PluginRegistry& registry,
                       std::int64_t threads) {
  if (pipeline.analysis.empty() && !pipeline.report) return kExitOk;
  const Experiment experiment = Experiment::open(dir);
  const auto paths = engine::stage_paths(dir);
  engine::run_analyses(pipeline, &experiment, paths.analysis_dir, registry, threads);
  engine::run_report(pipeline, &experiment, paths, registry);
  if (pipeline.report) std::cout << "report: " << (paths.report_dir / "index.html").string() << '\n';
  return kExitOk;
}

// What decides a point's memory: its resolved pipeline without names, seeds, learning rates and
// the stages (sweep points that differ only there share one projection).
std::string memory_key(const engine::Pipeline& pipeline) {
  nlohmann::json key = pipeline.resolved;
  for (const char* field : {"name", "description", "seed", "executor", "analysis", "report", "sweep"}) key.erase(field);
  if (key.contains("optimizer") && key["optimizer"].is_object()) {
    key["optimizer"] = nlohmann::json{{"plugin", key["optimizer"].value("plugin", "")}};
  }
  if (key.contains("train") && key["train"].is_object()) key["train"].erase("seed");
  return key.dump();
}

// The projection of a pipeline, or none when its set-up fails (a missing data set...): the run
// then fails with that message in its own directory, as it would without the check.
std::optional<engine::MemoryProjection> projection_if_set_up(const engine::Pipeline& pipeline,
                                                             engine::PluginRegistry& registry, std::int64_t threads,
                                                             const std::string& backend) {
  try {
    return engine::project_memory(pipeline, registry, threads, backend);
  } catch (const std::exception& error) {
    logger().debug("memory: not projected ({})", error.what());
    return std::nullopt;
  }
}

// The largest projection among the sweep's points (one per distinct memory_key).
std::optional<engine::MemoryProjection> largest_point_projection(const engine::Pipeline& pipeline,
                                                                 const RunArguments& arguments,
                                                                 engine::PluginRegistry& registry) {
  std::vector<std::string> seen;
  std::optional<engine::MemoryProjection> largest;
  for (const auto& point : engine::expand_sweep(pipeline)) {
    const auto point_pipeline = engine::load_point_pipeline(arguments.file, all_overrides(arguments), point, registry);
    auto key = memory_key(point_pipeline);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    auto projection = projection_if_set_up(point_pipeline, registry, arguments.threads, arguments.backend);
    if (projection && (!largest || projection->machine_total() > largest->machine_total())) {
      largest = std::move(projection);
    }
  }
  return largest;
}

// Refuses (exit 2) a run or sweep whose projected peak exceeds the memory it will have: this
// machine's for local runs (a sweep's points that run at once add up), the tasks' --mem for Slurm
// (each task checks again against its job's limit when it starts).
void check_memory(const engine::Pipeline& pipeline, const RunArguments& arguments, engine::PluginRegistry& registry) {
  if (pipeline.executor.kind == "slurm") {
    const auto& memory = pipeline.executor.slurm.memory;
    const auto bytes = engine::slurm_memory_bytes(memory);
    if (!bytes) {
      logger().info("memory: not checked before submission (executor.slurm.mem {}); each task checks its job's limit",
                    memory.empty() ? "is not set" : "= " + memory + " is not a size thermo reads");
      return;
    }
    const engine::MemoryLimit limit{*bytes, "executor.slurm.mem = " + memory + ", per task"};
    if (const auto projection = largest_point_projection(pipeline, arguments, registry)) {
      engine::require_memory_fits(*projection, 1, limit, "each point of the sweep");
    }
    return;
  }
  const auto limit = engine::machine_memory_limit();
  std::int64_t concurrent = 1;
  std::optional<engine::MemoryProjection> projection;
  if (pipeline.sweep.empty()) {
    projection = projection_if_set_up(pipeline, registry, arguments.threads, arguments.backend);
  } else {
    const auto points = static_cast<std::int64_t>(engine::expand_sweep(pipeline).size());
    const std::int64_t jobs = arguments.jobs > 0 ? arguments.jobs : pipeline.executor.jobs;
    if (!pipeline.executor.in_process) concurrent = std::min(std::max<std::int64_t>(1, jobs), points);
    projection = largest_point_projection(pipeline, arguments, registry);
  }
  if (!projection) return;
  engine::require_memory_fits(*projection, concurrent, limit, pipeline.sweep.empty() ? "the run" : "the sweep");
  logger().info("memory: projected peak {}{} of {} ({})",
                engine::format_bytes(projection->machine_total() * static_cast<std::uint64_t>(concurrent)),
                concurrent > 1 ? fmt::format(" ({} points at a time)", concurrent) : "",
                engine::format_bytes(limit.bytes), limit.source);
}

engine::SlurmScriptOptions slurm_options(const RunArguments& arguments, const CommonOptions& common) {
  engine::SlurmScriptOptions options;
  options.thermo = fs::read_symlink("/proc/self/exe");
  for (const auto& path : common.plugin_paths) options.plugin_paths.push_back(fs::absolute(path).string());
  options.backend = arguments.backend;
  options.checkpoint_every = arguments.checkpoint_every;
  options.ignore_memory_limit = arguments.ignore_memory_limit;
  return options;
}

int print_slurm_dry_run(const engine::Pipeline& pipeline, const RunArguments& arguments, const CommonOptions& common) {
  const fs::path dir = fs::absolute(arguments.out.empty() ? fs::path("runs") / pipeline.name : fs::path(arguments.out));
  std::vector<std::size_t> indices(engine::expand_sweep(pipeline).size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  const auto scripts = engine::slurm_scripts(pipeline, dir, indices, slurm_options(arguments, common));
  std::cout << "# " << (dir / "slurm" / "points.sbatch").string() << "\n" << scripts.points;
  if (!scripts.stages.empty()) {
    std::cout << "\n# " << (dir / "slurm" / "stages.sbatch").string()
              << " (submitted with --dependency=afterok:<the array's job id>)\n"
              << scripts.stages;
  }
  return kExitOk;
}

int submit_sweep(const engine::Pipeline& pipeline, const fs::path& dir, engine::PluginRegistry& registry,
                 const RunArguments& arguments, const CommonOptions& common) {
  const engine::Manifest manifest = engine::prepare_sweep(pipeline, dir, registry, arguments.resume);
  std::vector<std::size_t> unfinished;
  for (const auto& entry : manifest.points) {
    if (!engine::is_finished_status(entry.status)) unfinished.push_back(entry.point.index);
  }
  if (unfinished.empty()) {
    std::cout << "sweep: " << dir.string() << ": every point has finished; nothing to submit\n";
    return finish_with_stages(pipeline, dir, registry, arguments.threads);
  }
  const auto scripts = engine::slurm_scripts(pipeline, fs::absolute(dir), unfinished, slurm_options(arguments, common));
  const auto jobs = engine::submit_to_slurm(fs::absolute(dir), scripts);
  std::cout << "sweep: " << dir.string() << ": submitted job array " << jobs.array_job << " (" << unfinished.size()
            << " of " << manifest.points.size() << " points, --array=" << scripts.array << ")";
  if (!jobs.stages_job.empty()) std::cout << ", analyses and report in job " << jobs.stages_job << " after it";
  std::cout << "\nfollow it with: thermo status " << dir.string() << " --watch\n";
  return kExitOk;
}

int sweep_exit_code(const engine::SweepResult& result) {
  if (result.storage_failure) return kExitStorage;
  if (result.signal != 0 || result.interrupted > 0) return kExitInterrupted;
  return result.failed > 0 ? kExitUserError : kExitOk;
}

int run_pipeline(const RunArguments& arguments, const CommonOptions& common) {
  auto registry = make_registry(common);
  const engine::Pipeline pipeline = engine::load_pipeline(arguments.file, all_overrides(arguments), registry);
  const bool on_slurm = pipeline.executor.kind == "slurm";
  if (on_slurm && pipeline.sweep.empty()) {
    throw UserError(SourceLocation{arguments.file.string()}, "executor.kind",
                    "the slurm executor submits the points of a sweep; this pipeline has no sweep (run it with "
                    "`thermo run` inside your own sbatch script, or add a `sweep:`)");
  }

  if (arguments.dry_run) {
    if (on_slurm) return print_slurm_dry_run(pipeline, arguments, common);
    if (pipeline.sweep.empty()) {
      std::cout << pipeline.name << ": a single run (no sweep)\n";
    } else {
      for (const auto& line : engine::describe_sweep(pipeline)) std::cout << line << '\n';
    }
    return kExitOk;
  }
  // Before anything is written: a run that cannot fit is refused.
  if (!arguments.ignore_memory_limit) check_memory(pipeline, arguments, registry);
  // --force alone starts over; with --resume it accepts resume states of another configuration.
  const auto policy = arguments.resume  ? engine::ExistingOutput::resume
                      : arguments.force ? engine::ExistingOutput::force
                                        : engine::ExistingOutput::refuse;
  const std::optional<fs::path> requested =
      arguments.out.empty() ? std::nullopt : std::optional<fs::path>(arguments.out);
  const auto dir = engine::prepare_output_dir(requested, pipeline.name, policy);
  logger().info("{} → {}", pipeline.name, dir.string());
  if (on_slurm) return submit_sweep(pipeline, dir, registry, arguments, common);
  const auto progress = common.quiet ? engine::Progress::Style::silent : engine::Progress::style_for_stderr();

  if (pipeline.sweep.empty()) {
    engine::RunOptions options;
    options.threads = arguments.threads;
    options.backend = arguments.backend;
    options.progress = progress;
    options.resume = arguments.resume;
    options.force = arguments.resume && arguments.force;
    options.checkpoint_every = arguments.checkpoint_every;
    options.progress_every = arguments.progress_every;
    const engine::RunResult result = engine::execute_run(pipeline, dir, registry, options);
    std::cout << "run: " << dir.string() << " (" << result.status << ")\n";
    if (result.status == "failed") {
      if (result.error) std::rethrow_exception(result.error);
      return kExitInternal;
    }
    if (result.status == "interrupted") {
      std::cout << "continue it with: thermo run " << arguments.file.string() << " --out " << dir.string()
                << " --resume\n";
      return kExitInterrupted;
    }
    return finish_with_stages(pipeline, dir, registry, arguments.threads);
  }

  engine::SweepOptions options;
  options.jobs = arguments.jobs;
  options.threads = arguments.threads;
  options.backend = arguments.backend;
  options.resume = arguments.resume;
  options.force = arguments.resume && arguments.force;
  options.checkpoint_every = arguments.checkpoint_every;
  options.progress_every = arguments.progress_every;
  options.progress = progress;
  for (const auto& path : common.plugin_paths) options.plugin_paths.push_back(fs::absolute(path).string());
  const engine::SweepResult result = engine::execute_sweep(pipeline, dir, registry, options);
  std::cout << "sweep: " << dir.string() << " (" << result.completed << " completed, " << result.diverged
            << " diverged, " << result.failed << " failed";
  if (result.interrupted > 0) std::cout << ", " << result.interrupted << " interrupted";
  if (result.not_started > 0) std::cout << ", " << result.not_started << " not started";
  if (result.skipped > 0) std::cout << ", " << result.skipped << " finished before";
  std::cout << ")\n";
  if (result.signal != 0 || result.storage_failure) {
    std::cout << "continue it with: thermo run " << arguments.file.string() << " --out " << dir.string()
              << " --resume\n";
    return sweep_exit_code(result);
  }
  const int stages = finish_with_stages(pipeline, dir, registry, arguments.threads);
  const int code = sweep_exit_code(result);
  return code != kExitOk ? code : stages;
}

int run_point(const PointArguments& arguments, const CommonOptions& common) {
  auto registry = make_registry(common);
  fs::path run_dir = arguments.path;
  bool resume = arguments.resume;
  if (arguments.index >= 0) {  // a Slurm task: its point of the sweep, resumed when it can be
    run_dir = engine::point_run_dir(arguments.path, static_cast<std::size_t>(arguments.index));
    resume = true;
    engine::ManifestPoint entry;
    entry.dir = fs::relative(run_dir, arguments.path).string();
    engine::refresh_from_summary(entry, arguments.path);
    if (engine::is_finished_status(entry.status)) {
      logger().info("{}: already {}; nothing to do", run_dir.string(), entry.status);
      return kExitOk;
    }
  }
  const engine::Pipeline pipeline = engine::load_pipeline(run_dir / "config.yaml", {}, registry);
  // A Slurm task checks its job's limit; a local sweep checked its points before starting them.
  if (arguments.index >= 0 && !arguments.ignore_memory_limit) {
    if (const auto projection = projection_if_set_up(pipeline, registry, arguments.threads, arguments.backend)) {
      engine::require_memory_fits(*projection, 1, engine::machine_memory_limit(), run_dir.string());
    }
  }
  engine::RunOptions options;
  options.threads = arguments.threads;
  options.backend = arguments.backend;
  options.progress = arguments.plain_progress ? engine::Progress::Style::plain : engine::Progress::style_for_stderr();
  options.label = run_dir.filename().string();
  options.resume = resume;
  options.force = arguments.force;
  options.checkpoint_every = arguments.checkpoint_every;
  options.progress_every = arguments.progress_every;
  return engine::exit_code_for(engine::execute_run(pipeline, run_dir, registry, options));
}

int run_stages(const fs::path& sweep_dir, std::int64_t threads, const CommonOptions& common) {
  auto registry = make_registry(common);
  engine::refresh_manifest(sweep_dir);
  const engine::Pipeline pipeline = engine::load_pipeline(sweep_dir / "config.yaml", {}, registry);
  return finish_with_stages(pipeline, sweep_dir, registry, threads);
}

}  // namespace

void add_run_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto arguments = std::make_shared<RunArguments>();
  auto* command = app.add_subcommand("run", "Run a pipeline: one run, or every point of its sweep, then its stages");
  command->add_option("file", arguments->file, "Pipeline file (YAML)")->required();
  command->add_option("overrides", arguments->overrides, "key=value overrides of any leaf (values are YAML)");
  command->add_option("--out", arguments->out, "Output directory (default runs/<name>, with a unique suffix)");
  command->add_option("--backend", arguments->backend, "Backend: auto, cpu, cuda (overrides the pipeline)");
  command->add_option("--threads", arguments->threads, "Threads in all (overrides the pipeline; split between jobs)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--jobs", arguments->jobs, "Sweep points run at once, each in its own process")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--checkpoint-every", arguments->checkpoint_every,
                   "Seconds of training between resume states (overrides executor.checkpoint_every; 0: only on "
                   "signals and at the end)")
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--progress-every", arguments->progress_every,
                   "Seconds between progress lines in logs and updates of progress.json (default 10 and 30)")
      ->check(CLI::PositiveNumber);
  command->add_option("--executor", arguments->executor, "Where the sweep's points run: local, or slurm (a job array)")
      ->check(CLI::IsMember({"local", "slurm"}));
  command->add_option("--slurm", arguments->slurm,
                      "A Slurm setting as key=value (repeatable): partition, time, cpus_per_task, gpus, mem, account, "
                      "qos, concurrent, signal, extra, analysis_time")
      ->allow_extra_args(false);  // one key=value per --slurm: the overrides after it stay overrides
  command->add_flag("--resume", arguments->resume,
                    "Continue the run or sweep in --out from its resume states; finished points are kept");
  command->add_flag("--force", arguments->force,
                    "Delete --out first and start over; with --resume, accept resume states written by another "
                    "configuration, version or backend");
  command->add_flag("--ignore-memory-limit", arguments->ignore_memory_limit,
                    "Start even when the projected peak memory exceeds the machine's (or Slurm's --mem); see "
                    "`thermo bench` and docs/performance.md");
  command->add_flag("--dry-run", arguments->dry_run,
                    "List the sweep's points (or print the Slurm scripts); run and write nothing");
  command->callback(
      [arguments, &common, &action] { action = [arguments, &common] { return run_pipeline(*arguments, common); }; });

  auto point = std::make_shared<PointArguments>();
  auto* point_command = app.add_subcommand("_point", "Run one sweep point in its directory (used by sweeps)");
  point_command->group("");  // hidden
  point_command->add_option("path", point->path, "The point's run directory, or with --index the sweep's")->required();
  point_command->add_option("--index", point->index, "The point's index in the sweep (Slurm tasks)");
  point_command->add_option("--threads", point->threads);
  point_command->add_option("--backend", point->backend);
  point_command->add_flag("--plain-progress", point->plain_progress);
  point_command->add_option("--parent", point->parent, "The sweep's process: the point ends when it does");
  point_command->add_flag("--resume", point->resume);
  point_command->add_flag("--force", point->force);
  point_command->add_flag("--ignore-memory-limit", point->ignore_memory_limit);
  point_command->add_option("--checkpoint-every", point->checkpoint_every);
  point_command->add_option("--progress-every", point->progress_every);
  point_command->callback([point, &common, &action] {
    action = [point, &common] {
      engine::end_with_parent(static_cast<long>(point->parent));
      return run_point(*point, common);
    };
  });

  auto stages = std::make_shared<std::pair<fs::path, std::int64_t>>();
  auto* stages_command = app.add_subcommand("_stages", "Run a sweep's analyses and report (Slurm's dependent job)");
  stages_command->group("");  // hidden
  stages_command->add_option("sweep_dir", stages->first)->required();
  stages_command->add_option("--threads", stages->second);
  stages_command->callback([stages, &common, &action] {
    action = [stages, &common] { return run_stages(stages->first, stages->second, common); };
  });
}

}  // namespace thermo::cli
