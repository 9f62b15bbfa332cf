// `thermo report DIR [key=value ...]`: draws the figures of a run, a sweep or an analysed table
// from what its analysis folder and runs hold, and writes report/index.html.
#include "cli_support.hpp"
#include "commands.hpp"

#include "stages/stage_runner.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <iostream>
#include <optional>

namespace thermo::cli {
namespace {

struct ReportArguments {
  std::filesystem::path dir;
  std::vector<std::string> overrides;
};

int report(const ReportArguments& arguments, const CommonOptions& common) {
  namespace fs = std::filesystem;
  auto registry = make_registry(common);
  // A run or sweep has config.yaml; a table analysed by `thermo analyze` has pipeline.yaml.
  const bool is_experiment = fs::exists(arguments.dir / "config.yaml");
  const fs::path pipeline_file = arguments.dir / (is_experiment ? "config.yaml" : "pipeline.yaml");
  if (!fs::exists(pipeline_file)) {
    throw UserError(SourceLocation{arguments.dir.string()}, "",
                    "not a thermo run, sweep or analysed table (no config.yaml or pipeline.yaml)");
  }
  const engine::Pipeline pipeline = engine::load_pipeline(pipeline_file, parse_overrides(arguments.overrides), registry);
  std::optional<Experiment> experiment;
  if (is_experiment) experiment = Experiment::open(arguments.dir);
  const auto paths = engine::stage_paths(arguments.dir);
  engine::run_report(pipeline, experiment ? &*experiment : nullptr, paths, registry, "gnuplot");
  std::cout << "report: " << (paths.report_dir / "index.html").string() << '\n';
  return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto arguments = std::make_shared<ReportArguments>();
  auto* command = app.add_subcommand("report", "Draw the figures and index.html of a run, sweep or analysed table");
  command->add_option("dir", arguments->dir, "Run, sweep or analysed-table directory")->required()->check(CLI::ExistingDirectory);
  command->add_option("overrides", arguments->overrides, "key=value overrides, e.g. report.format=svg");
  command->callback([arguments, &common, &action] { action = [arguments, &common] { return report(*arguments, common); }; });
}

}  // namespace thermo::cli
