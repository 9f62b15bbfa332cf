#include "cli_support.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

namespace thermo::cli {

engine::PluginRegistry make_registry(const CommonOptions& common) {
  return engine::PluginRegistry(engine::PluginRegistry::default_search_path(common.plugin_paths));
}

std::vector<engine::Override> parse_overrides(const std::vector<std::string>& arguments) {
  std::vector<engine::Override> overrides;
  overrides.reserve(arguments.size());
  for (const auto& text : arguments) overrides.push_back(engine::parse_override(text));
  return overrides;
}

const engine::SweepPoint& select_point(const std::vector<engine::SweepPoint>& points, const std::string& wanted) {
  if (points.empty()) throw UserError(fmt::format("--point {}: the pipeline has no sweep", wanted));
  for (const auto& point : points) {
    if (point.label == wanted || std::to_string(point.index) == wanted) return point;
  }
  throw UserError(fmt::format("--point {}: no such point; the sweep has points 0 to {} ({} to {})", wanted,
                              points.size() - 1, points.front().label, points.back().label));
}

SingleRun single_run_pipeline(const std::filesystem::path& file, const std::vector<engine::Override>& overrides,
                              engine::PluginRegistry& registry, const std::string& point) {
  engine::Pipeline pipeline = engine::load_pipeline(file, overrides, registry);
  if (pipeline.sweep.empty()) {
    if (!point.empty()) throw UserError(fmt::format("--point {}: the pipeline has no sweep", point));
    return {std::move(pipeline), 1, {}};
  }
  const auto points = engine::expand_sweep(pipeline);
  const auto& selected = select_point(points, point.empty() ? std::string("0") : point);
  return {engine::load_point_pipeline(file, overrides, selected, registry), points.size(), selected.label};
}

}  // namespace thermo::cli
