// `thermo analyze DIR [key=value ...]` re-runs the analyses of a finished run or sweep (its
// config.yaml with the overrides, e.g. analysis.1.eps=0.04) into DIR/analysis.
// `thermo analyze TABLE.csv [key=value ...]` analyses measurements from elsewhere: a CSV with
// columns lr, U, S goes through the temperature and free-energy analyses (overrides without a
// dot apply to the temperature stage: eps=0.02 range=[1,-3]).
#include "cli_support.hpp"
#include "commands.hpp"

#include "stages/stage_runner.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>

#include <fstream>
#include <iostream>

namespace thermo::cli {
namespace {

struct AnalyzeArguments {
  std::filesystem::path input;
  std::vector<std::string> overrides;
  std::string out;
  std::int64_t threads = 0;
};

constexpr const char* kTablePipeline = R"(thermo: 1
name: {}
description: temperature analysis of a table with columns lr, U, S
analysis:
  - {{plugin: temperature, loss_column: U, entropy_column: S}}
  - {{plugin: free_energy}}
)";

int analyze_table(const AnalyzeArguments& arguments, engine::PluginRegistry& registry) {
  namespace fs = std::filesystem;
  const MetricsTable table = MetricsTable::read_csv(arguments.input);
  for (const char* column : {"lr", "U", "S"}) {
    if (!table.has(column)) {
      throw UserError(SourceLocation{arguments.input.string(), 1, 1}, "",
                      fmt::format("a table to analyse needs the columns lr, U and S; '{}' is missing", column));
    }
  }
  const fs::path out = arguments.out.empty()
                           ? arguments.input.parent_path() / (arguments.input.stem().string() + "-thermo")
                           : fs::path(arguments.out);
  const auto paths = engine::stage_paths(out);
  fs::create_directories(paths.analysis_dir);
  fs::copy_file(arguments.input, paths.analysis_dir / "stationary.csv", fs::copy_options::overwrite_existing);
  const fs::path pipeline_file = out / "pipeline.yaml";
  write_file_durably(pipeline_file, fmt::format(kTablePipeline, arguments.input.stem().string()));

  std::vector<std::string> mapped;
  for (const auto& text : arguments.overrides) {
    const auto key = text.substr(0, text.find('='));
    mapped.push_back(key.find('.') == std::string::npos ? "analysis.0." + text : text);
  }
  const engine::Pipeline pipeline = engine::load_pipeline(pipeline_file, parse_overrides(mapped), registry);
  write_file_durably(pipeline_file, pipeline.resolved_yaml);
  engine::run_analyses(pipeline, nullptr, paths.analysis_dir, registry);
  std::cout << "analysis: " << paths.analysis_dir.string() << '\n';
  return kExitOk;
}

int analyze(const AnalyzeArguments& arguments, const CommonOptions& common) {
  auto registry = make_registry(common);
  if (std::filesystem::is_regular_file(arguments.input)) return analyze_table(arguments, registry);
  const Experiment experiment = Experiment::open(arguments.input);
  engine::Pipeline pipeline =
      engine::load_pipeline(arguments.input / "config.yaml", parse_overrides(arguments.overrides), registry);
  if (pipeline.analysis.empty()) {
    throw UserError(SourceLocation{(arguments.input / "config.yaml").string()}, "analysis",
                    "the pipeline lists no analysis; add some on the command line, e.g. "
                    "'analysis=[{plugin: stationary}, {plugin: temperature}]'");
  }
  const auto paths =
      engine::stage_paths(arguments.out.empty() ? arguments.input : std::filesystem::path(arguments.out));
  engine::run_analyses(pipeline, &experiment, paths.analysis_dir, registry, arguments.threads);
  std::cout << "analysis: " << paths.analysis_dir.string() << '\n';
  return kExitOk;
}

}  // namespace

void add_analyze_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto arguments = std::make_shared<AnalyzeArguments>();
  auto* command =
      app.add_subcommand("analyze", "Run the analyses of a finished run or sweep, or of a CSV table (lr, U, S)");
  command->add_option("input", arguments->input, "Run or sweep directory, or a CSV file with columns lr, U, S")
      ->required()
      ->check(CLI::ExistingPath);
  command->add_option("overrides", arguments->overrides, "key=value overrides (values are YAML)");
  command->add_option("--threads", arguments->threads, "Threads of the models an analysis builds (0: each run's own)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--out", arguments->out, "Where to write (default: DIR itself, or TABLE-thermo/ beside a table)");
  command->callback(
      [arguments, &common, &action] { action = [arguments, &common] { return analyze(*arguments, common); }; });
}

}  // namespace thermo::cli
