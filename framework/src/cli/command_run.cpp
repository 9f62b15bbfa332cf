// `thermo run FILE [key=value ...]`: one run, or every point of the pipeline's sweep, then the
// pipeline's analyses and report. Also the hidden `thermo _point RUN_DIR` that a sweep starts
// for each point in its own process.
#include "cli_support.hpp"
#include "commands.hpp"

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"
#include "run/run_directory.hpp"
#include "run/runner.hpp"
#include "stages/stage_runner.hpp"
#include "sweep/child_process.hpp"
#include "sweep/sweep_runner.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>

#include <iostream>
#include <optional>

namespace thermo::cli {
namespace {

struct RunArguments {
  std::filesystem::path file;
  std::vector<std::string> overrides;
  std::string out;
  std::string backend;
  std::int64_t threads = 0;
  std::int64_t jobs = 0;
  bool resume = false;
  bool force = false;
  bool dry_run = false;
};

// Analyses and report after the runs, when the pipeline lists them; failures here are reported
// but keep what the runs computed.
int finish_with_stages(const engine::Pipeline& pipeline, const std::filesystem::path& dir,
                       engine::PluginRegistry& registry, std::int64_t threads) {
  if (pipeline.analysis.empty() && !pipeline.report) return kExitOk;
  const Experiment experiment = Experiment::open(dir);
  const auto paths = engine::stage_paths(dir);
  engine::run_analyses(pipeline, &experiment, paths.analysis_dir, registry, threads);
  engine::run_report(pipeline, &experiment, paths, registry);
  if (pipeline.report) std::cout << "report: " << (paths.report_dir / "index.html").string() << '\n';
  return kExitOk;
}

int run_pipeline(const RunArguments& arguments, const CommonOptions& common) {
  auto registry = make_registry(common);
  const engine::Pipeline pipeline =
      engine::load_pipeline(arguments.file, parse_overrides(arguments.overrides), registry);

  if (arguments.dry_run) {
    if (pipeline.sweep.empty()) {
      std::cout << pipeline.name << ": a single run (no sweep)\n";
    } else {
      for (const auto& line : engine::describe_sweep(pipeline)) std::cout << line << '\n';
    }
    return kExitOk;
  }
  if (arguments.resume && arguments.force) throw UserError("--resume and --force contradict each other");
  const auto policy = arguments.resume  ? engine::ExistingOutput::resume
                      : arguments.force ? engine::ExistingOutput::force
                                        : engine::ExistingOutput::refuse;
  const std::optional<std::filesystem::path> requested =
      arguments.out.empty() ? std::nullopt : std::optional<std::filesystem::path>(arguments.out);
  const auto dir = engine::prepare_output_dir(requested, pipeline.name, policy);
  logger().info("{} → {}", pipeline.name, dir.string());
  const auto progress = common.quiet ? engine::Progress::Style::silent : engine::Progress::style_for_stderr();

  if (pipeline.sweep.empty()) {
    engine::RunOptions options;
    options.threads = arguments.threads;
    options.backend = arguments.backend;
    options.progress = progress;
    const engine::RunResult result = engine::execute_run(pipeline, dir, registry, options);
    std::cout << "run: " << dir.string() << " (" << result.status << ")\n";
    if (result.status == "failed") {
      if (result.error) std::rethrow_exception(result.error);
      return kExitInternal;
    }
    return finish_with_stages(pipeline, dir, registry, arguments.threads);
  }

  engine::SweepOptions options;
  options.jobs = arguments.jobs;
  options.threads = arguments.threads;
  options.backend = arguments.backend;
  options.resume = arguments.resume;
  options.progress = progress;
  const engine::SweepResult result = engine::execute_sweep(pipeline, dir, registry, options);
  std::cout << "sweep: " << dir.string() << " (" << result.completed << " completed, " << result.diverged
            << " diverged, " << result.failed << " failed";
  if (result.skipped > 0) std::cout << ", " << result.skipped << " finished before";
  std::cout << ")\n";
  const int stages = finish_with_stages(pipeline, dir, registry, arguments.threads);
  return result.failed > 0 ? kExitUserError : stages;
}

int run_point(const std::filesystem::path& run_dir, std::int64_t threads, const std::string& backend,
              bool plain_progress, const CommonOptions& common) {
  auto registry = make_registry(common);
  const engine::Pipeline pipeline = engine::load_pipeline(run_dir / "config.yaml", {}, registry);
  engine::RunOptions options;
  options.threads = threads;
  options.backend = backend;
  options.progress = plain_progress ? engine::Progress::Style::plain : engine::Progress::style_for_stderr();
  options.label = run_dir.filename().string();
  return engine::exit_code_for(engine::execute_run(pipeline, run_dir, registry, options));
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
  command->add_flag("--resume", arguments->resume, "Continue the run or sweep in --out: finished points are kept");
  command->add_flag("--force", arguments->force, "Delete --out first and start over");
  command->add_flag("--dry-run", arguments->dry_run, "List the sweep's points and their overrides; run nothing");
  command->callback(
      [arguments, &common, &action] { action = [arguments, &common] { return run_pipeline(*arguments, common); }; });

  auto point = std::make_shared<std::tuple<std::string, std::int64_t, std::string, bool, std::int64_t>>();
  auto* point_command = app.add_subcommand("_point", "Run one sweep point in its directory (used by sweeps)");
  point_command->group("");  // hidden
  point_command->add_option("run_dir", std::get<0>(*point))->required();
  point_command->add_option("--threads", std::get<1>(*point));
  point_command->add_option("--backend", std::get<2>(*point));
  point_command->add_flag("--plain-progress", std::get<3>(*point));
  point_command->add_option("--parent", std::get<4>(*point), "The sweep's process: the point ends when it does");
  point_command->callback([point, &common, &action] {
    action = [point, &common] {
      engine::end_with_parent(static_cast<long>(std::get<4>(*point)));
      return run_point(std::get<0>(*point), std::get<1>(*point), std::get<2>(*point), std::get<3>(*point), common);
    };
  });
}

}  // namespace thermo::cli
