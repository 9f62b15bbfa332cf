// `thermo config FILE [key=value ...]`: prints the resolved pipeline (overrides applied, every
// default filled in) — what a run saves as config.yaml. --point shows one point of a sweep.
#include "commands.hpp"

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

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

const engine::SweepPoint& find_point(const std::vector<engine::SweepPoint>& points, const std::string& wanted) {
  if (points.empty()) throw UserError(fmt::format("--point {}: the pipeline has no sweep", wanted));
  for (const auto& point : points) {
    if (point.label == wanted || std::to_string(point.index) == wanted) return point;
  }
  throw UserError(fmt::format("--point {}: no such point; the sweep has points 0 to {} ({} to {})", wanted,
                              points.size() - 1, points.front().label, points.back().label));
}

int print_config(const ConfigOptions& options, const CommonOptions& common) {
  std::vector<engine::Override> overrides;
  for (const auto& argument : options.overrides) overrides.push_back(engine::parse_override(argument));
  engine::PluginRegistry registry(engine::PluginRegistry::default_search_path(common.plugin_paths));
  engine::Pipeline pipeline = engine::load_pipeline(options.file, overrides, registry);
  if (!options.point.empty()) {
    const auto points = engine::expand_sweep(pipeline);
    pipeline = engine::load_point_pipeline(options.file, overrides, find_point(points, options.point), registry);
  }
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
