#pragma once
// ${VAR} and ${VAR:-default} in the pipeline's string scalars, expanded before validation;
// $${ is a literal ${. Writing a resolved document escapes ${ back to $${ so that it reads back
// to the same text.

#include "config/diagnostics.hpp"
#include "config/yaml_tree.hpp"

#include <functional>
#include <optional>
#include <string>

namespace thermo::engine {

// The value of an environment variable, or nullopt when it is not set.
using VariableLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment.
[[nodiscard]] VariableLookup process_environment();

// Expands one text; the error (unset variable without default, malformed ${...}) is returned
// instead of the expansion.
struct Expansion {
  std::string text;
  std::string error;  // "" when it succeeded
};
[[nodiscard]] Expansion expand_variables(const std::string& text, const VariableLookup& lookup);

// Expands every scalar of the tree (values, not keys). An expanded scalar is typed by its new
// text whether it was quoted or not (`"${N}"` can be an integer), and is never taken for a YAML 1.1
// boolean. Scalars that fail are reported at their location and marked invalid.
void expand_environment(YamlNode& root, const VariableLookup& lookup, Diagnostics& diagnostics);

// "${" -> "$${", for text written into a resolved document.
[[nodiscard]] std::string escape_variables(const std::string& text);

}  // namespace thermo::engine
