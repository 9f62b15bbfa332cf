#pragma once
// Turns one YAML node into a typed parameter value (ParamValue) as a ParamSpec declares it, with
// the engine's strict reading of YAML: booleans are true/false only, integers have no leading
// zero or 0x, and words YAML 1.1 would read as booleans or null must be quoted to be strings.

#include "config/diagnostics.hpp"
#include "config/yaml_tree.hpp"

#include <thermo/params.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace thermo::engine {

struct ValueContext {
  std::filesystem::path pipeline_folder;  // absolute; relative paths written in the file resolve here
  // Values from this origin (the command line) resolve relative paths against the current folder.
  std::string command_line_origin = "command line";
};

// The converted value, or nullopt after reporting why not at the offending node. Nodes marked
// invalid give nullopt without a new report.
[[nodiscard]] std::optional<ParamValue> convert_value(const YamlNode& node, const ParamSpec& spec,
                                                      const std::string& key_path, const ValueContext& context,
                                                      Diagnostics& diagnostics);

// The spec's default with its path resolved against the pipeline folder. Requires a default.
[[nodiscard]] ParamValue default_value(const ParamSpec& spec, const ValueContext& context);

[[nodiscard]] nlohmann::ordered_json to_json(const ParamValue& value);

}  // namespace thermo::engine
