#pragma once
// Validates one map against a ParamSchema: unknown keys (with a did-you-mean), missing required
// keys (reported at the map), each value converted, defaults filled in. Plugin sections and the
// engine's own sections (train, executor, sweep generators) all go through here.

#include "config/diagnostics.hpp"
#include "config/value_conversion.hpp"
#include "config/yaml_tree.hpp"

#include <thermo/params.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace thermo::engine {

struct SectionValues {
  Params params;                                                       // every parameter that is valid
  nlohmann::ordered_json resolved = nlohmann::ordered_json::object();  // schema order, defaults filled
  bool ok = true;                                                      // nothing was reported
};

// `map` must be a map. Keys in `handled_keys` are known but left to the caller.
[[nodiscard]] SectionValues validate_section(const YamlNode& map, const ParamSchema& schema,
                                             const std::string& key_path, const std::vector<std::string>& handled_keys,
                                             const ValueContext& context, Diagnostics& diagnostics);

// `unknown key 'x' (did you mean 'y'?)`, or `unknown key 'x'; known: a, b` without a close match.
[[nodiscard]] std::string unknown_key_message(const std::string& key, const std::vector<std::string>& known);

}  // namespace thermo::engine
