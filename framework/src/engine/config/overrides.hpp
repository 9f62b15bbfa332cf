#pragma once
// Command-line `key=value` overrides and sweep coordinates: setting a value at a dotted path of
// the document before validation. Maps are created under null or missing keys; integer
// components index lists. (parse_override is declared in config/pipeline.hpp.)
//
// Locations: a command-line override's nodes are located at `command line:N:C`, N being the
// override's position among the key=value arguments (1-based) and C the column in that argument,
// so `optimizer.elr=abc` reports the value at column 15 and an unknown key at its component.

#include "config/diagnostics.hpp"
#include "config/pipeline.hpp"
#include "config/yaml_tree.hpp"

#include <string>
#include <vector>

namespace thermo::engine {

struct KeyComponent {
  std::string text;
  SourceLocation location;  // where the component was written, for errors and created keys
};

// Splits a dotted key; under `sweep` the rest is one key (sweep keys are dotted themselves).
[[nodiscard]] std::vector<std::string> split_key(const std::string& key);

// Sets `value` at `path` (created maps take their component's location). Errors (indexing a
// scalar, an index out of range) are reported and nothing is set; returns whether it was set.
bool set_at_path(YamlNode& root, const std::vector<KeyComponent>& path, YamlNode value, Diagnostics& diagnostics);

// Whether the path names an existing node (a null value counts as existing).
[[nodiscard]] bool path_exists(const YamlNode& root, const std::vector<std::string>& path);

// Parses the override's value as YAML and sets it. `position` is the 1-based line of its location
// (its index among the overrides of its origin).
void apply_override(YamlNode& root, const Override& override_value, int position, Diagnostics& diagnostics);

}  // namespace thermo::engine
