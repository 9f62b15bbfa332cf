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

engine::Pipeline single_run_pipeline(const std::filesystem::path& file, const std::vector<engine::Override>& overrides,
                                     engine::PluginRegistry& registry, std::size_t index, std::size_t* point_count,
                                     std::string* point_label) {
  engine::Pipeline pipeline = engine::load_pipeline(file, overrides, registry);
  if (pipeline.sweep.empty()) {
    if (point_count != nullptr) *point_count = 1;
    return pipeline;
  }
  const auto points = engine::expand_sweep(pipeline);
  if (index >= points.size()) {
    throw UserError(fmt::format("--point {}: the sweep has {} points (0 to {})", index, points.size(), points.size() - 1));
  }
  if (point_count != nullptr) *point_count = points.size();
  if (point_label != nullptr) *point_label = points[index].label;
  return engine::load_point_pipeline(file, overrides, points[index], registry);
}

}  // namespace thermo::cli
