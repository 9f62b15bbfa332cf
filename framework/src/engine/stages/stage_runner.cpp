#include "stages/stage_runner.hpp"

#include "config/load_pipeline.hpp"
#include "run/run_resources.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/plugin.hpp>

namespace thermo::engine {

StagePaths stage_paths(const std::filesystem::path& experiment_dir) {
  return {experiment_dir / "analysis", experiment_dir / "report"};
}

void run_analyses(const Pipeline& pipeline, const Experiment* experiment, const std::filesystem::path& analysis_dir,
                  PluginRegistry& registry, std::int64_t threads) {
  if (pipeline.analysis.empty()) return;
  std::filesystem::create_directories(analysis_dir);
  AnalysisContext context;
  context.experiment = experiment;
  context.analysis_dir = analysis_dir;
  if (experiment != nullptr) {
    context.build_model = [&registry, threads](const RunRecord& run) -> std::unique_ptr<ModelResources> {
      const Pipeline run_pipeline = load_pipeline(run.dir / "config.yaml", {}, registry);
      RunResources::Options options;
      options.with_estimators = false;
      options.threads = threads;
      return RunResources::build(run_pipeline, registry, options);
    };
  }
  // A single run (sweep: null) has one learning rate: the analyses that compare the runs of a sweep
  // are skipped, with one line saying so.
  const bool single_run = experiment != nullptr && !experiment->is_sweep;
  std::string skipped;
  for (const auto& section : pipeline.analysis) {
    const auto& plugin = registry.get_as<AnalysisPlugin>(PluginKind::analysis, section.plugin);
    if (single_run && plugin.needs_sweep()) {
      skipped += (skipped.empty() ? "" : ", ") + section.plugin;
      continue;
    }
    logger().info("analysis {} ({})", section.key_path, section.plugin);
    plugin.create(section.params)->run(context);
  }
  if (!skipped.empty()) {
    logger().info("a single run, not a sweep: skipped the analyses that need a sweep of learning rates: {}", skipped);
  }
}

void run_report(const Pipeline& pipeline, const Experiment* experiment, const StagePaths& paths,
                PluginRegistry& registry, const std::string& default_report) {
  std::string name;
  Params params;
  if (pipeline.report) {
    name = pipeline.report->plugin;
    params = pipeline.report->params;
  } else if (!default_report.empty()) {
    name = default_report;
    const auto* schema = registry.find_schema(PluginKind::report, name);
    if (schema == nullptr) throw UserError("no report plugin '" + name + "' is installed");
    params = schema->defaults();
  } else {
    return;
  }
  std::filesystem::create_directories(paths.report_dir);
  logger().info("report ({})", name);
  const auto& plugin = registry.get_as<ReportPlugin>(PluginKind::report, name);
  plugin.create(params)->render(ReportContext{experiment, paths.analysis_dir, paths.report_dir});
}

}  // namespace thermo::engine
