#pragma once
// The `sweep:` section: a map of dotted keys to lists of values, where a list element (or the
// whole value) may be a generator {linspace|logspace|geomspace: {start, stop, num, endpoint,
// base, drop_last, significant_digits}} expanded in place.

#include "config/diagnostics.hpp"
#include "config/pipeline.hpp"
#include "config/value_conversion.hpp"
#include "config/yaml_tree.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace thermo::engine {

inline constexpr std::size_t kMaxSweepPoints = 100000;

struct ParsedSweepAxis {
  std::string key;                      // dotted, as written
  std::vector<std::string> components;  // the key split at dots
  SourceLocation key_location;
  std::vector<YamlNode> values;  // written values as they are, generated ones as plain scalars
};

// The axes of a sweep section (`node` may be null or absent: no axes). Errors are reported;
// an axis keeps the values that could be read.
[[nodiscard]] std::vector<ParsedSweepAxis> parse_sweep(const YamlNode* node, const ValueContext& context,
                                                       Diagnostics& diagnostics);

// The axis as the Pipeline keeps it: values as YAML text.
[[nodiscard]] SweepAxis to_sweep_axis(const ParsedSweepAxis& axis);

// The resolved form: {key: [values...]}, or null without axes.
[[nodiscard]] nlohmann::ordered_json sweep_to_json(const std::vector<ParsedSweepAxis>& axes);

// A node as plain data: plain scalars read as integers, reals, true/false, null; others as strings.
[[nodiscard]] nlohmann::ordered_json node_to_json(const YamlNode& node);

}  // namespace thermo::engine
