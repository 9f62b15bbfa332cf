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

// The pipeline of one run: the pipeline itself when it has no sweep, else its point `index`.
[[nodiscard]] engine::Pipeline single_run_pipeline(const std::filesystem::path& file,
                                                   const std::vector<engine::Override>& overrides,
                                                   engine::PluginRegistry& registry, std::size_t index,
                                                   std::size_t* point_count, std::string* point_label);

}  // namespace thermo::cli
