#pragma once
// A <plugin section>: a map with `plugin: <name>` plus that plugin's parameters, validated
// against the plugin's schema from the SchemaProvider.

#include "config/diagnostics.hpp"
#include "config/pipeline.hpp"
#include "config/value_conversion.hpp"
#include "config/yaml_tree.hpp"
#include "registry/schema_provider.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace thermo::engine {

// The section, or nullopt after reporting what is wrong. `resolved` receives the section with
// `plugin` first and every parameter in schema order (also when some are invalid).
[[nodiscard]] std::optional<PluginSection> validate_plugin_section(const YamlNode& node, PluginKind kind,
                                                                   const std::string& key_path, SchemaProvider& schemas,
                                                                   const ValueContext& context,
                                                                   Diagnostics& diagnostics,
                                                                   nlohmann::ordered_json& resolved);

// "a model", "an optimizer", ...: for messages.
[[nodiscard]] std::string kind_with_article(PluginKind kind);

// `unknown model plugin 'convnt' (did you mean 'convnet'?); known: convnet, sphere_toy`.
[[nodiscard]] std::string unknown_plugin_message(PluginKind kind, const std::string& name,
                                                 const std::vector<std::string>& known);

}  // namespace thermo::engine
