// `thermo config FILE [key=value ...]`: prints the resolved pipeline (overrides applied, every
// default filled in) — what a run saves as config.yaml. --point shows one point of a sweep.
#include "cli_support.hpp"
#include "commands.hpp"

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <thermo/error.hpp>

#include <iostream>
#include <memory>

namespace thermo::cli {

namespace {

struct ConfigOptions {
  std::filesystem::path file;
  std::vector<std::string> overrides;
  std::string point;
  bool json = false;
};

int print_config(const ConfigOptions& options, const CommonOptions& common) {
  auto registry = make_registry(common);
  const auto overrides = parse_overrides(options.overrides);
  const engine::Pipeline pipeline = options.point.empty()
                                        ? engine::load_pipeline(options.file, overrides, registry)
                                        : single_run_pipeline(options.file, overrides, registry, options.point).pipeline;
  if (options.json) {
    std::cout << pipeline.resolved.dump(2) << '\n';
  } else {
    std::cout << pipeline.resolved_yaml;
  }
  return kExitOk;
}

}  // namespace

void add_config_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto* command = app.add_subcommand("config", "Print a pipeline resolved: overrides applied, defaults filled in");
  auto options = std::make_shared<ConfigOptions>();
  command->add_option("file", options->file, "Pipeline file")->required();
  command->add_option("overrides", options->overrides, "Overrides key=value (e.g. optimizer.elr=0.1)");
  command->add_option("--point", options->point, "Show this point of the sweep (its index or label)");
  command->add_flag("--json", options->json, "Print JSON instead of YAML");
  command->callback(
      [&action, &common, options] { action = [&common, options]() -> int { return print_config(*options, common); }; });
}

}  // namespace thermo::cli
