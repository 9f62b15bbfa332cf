#include "config/schema_section.hpp"

#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace thermo::engine {

std::string unknown_key_message(const std::string& key, const std::vector<std::string>& known) {
  const std::string suggestion = did_you_mean(key, known);
  if (!suggestion.empty()) return fmt::format("unknown key '{}'{}", key, suggestion);
  return fmt::format("unknown key '{}'; known: {}", key, known.empty() ? "none" : join(known, ", "));
}

SectionValues validate_section(const YamlNode& map, const ParamSchema& schema, const std::string& key_path,
                               const std::vector<std::string>& handled_keys, const ValueContext& context,
                               Diagnostics& diagnostics) {
  SectionValues result;
  const std::size_t errors_before = diagnostics.size();
  std::vector<std::string> known = handled_keys;
  for (const auto& name : schema.names()) known.push_back(name);

  for (const auto& child : map.children) {
    if (std::find(handled_keys.begin(), handled_keys.end(), child.key) != handled_keys.end()) continue;
    const ParamSpec* spec = schema.find(child.key);
    if (spec == nullptr) {
      diagnostics.error(child.key_location, key_path, unknown_key_message(child.key, known));
      continue;
    }
    if (auto value = convert_value(child, *spec, child_path(key_path, child.key), context, diagnostics)) {
      result.params.set(child.key, std::move(*value));
    } else {
      result.ok = false;
    }
  }
  for (const auto& spec : schema.specs()) {
    if (map.find(spec.name) == nullptr) {
      if (spec.required()) {
        if (!map.invalid) {
          diagnostics.error(map.location, key_path,
                            fmt::format("missing required key '{}' ({})", spec.name, spec.describe_constraint()));
        }
        result.ok = false;
        continue;
      }
      result.params.set(spec.name, default_value(spec, context));
    }
    if (result.params.has(spec.name)) result.resolved[spec.name] = to_json(result.params.get(spec.name));
  }
  if (diagnostics.size() != errors_before) result.ok = false;
  return result;
}

}  // namespace thermo::engine
