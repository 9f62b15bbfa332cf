#pragma once
// Pieces several subcommands share: the registry from the common options, overrides from
// arguments, and a pipeline's single-run view (the first sweep point, or a chosen one).

#include "commands.hpp"
#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace thermo::cli {

[[nodiscard]] engine::PluginRegistry make_registry(const CommonOptions& common);
[[nodiscard]] std::vector<engine::Override> parse_overrides(const std::vector<std::string>& arguments);

// The point of a sweep named by its index or its label; UserError listing the range otherwise.
[[nodiscard]] const engine::SweepPoint& select_point(const std::vector<engine::SweepPoint>& points,
                                                     const std::string& wanted);

// The pipeline of one run: the pipeline itself when it has no sweep, else the point named by
// `point` (index or label; empty: the first).
struct SingleRun {
  engine::Pipeline pipeline;
  std::size_t point_count = 1;
  std::string point_label;  // empty without a sweep
};
[[nodiscard]] SingleRun single_run_pipeline(const std::filesystem::path& file,
                                            const std::vector<engine::Override>& overrides,
                                            engine::PluginRegistry& registry, const std::string& point);

}  // namespace thermo::cli
