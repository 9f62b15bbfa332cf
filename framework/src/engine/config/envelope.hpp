#pragma once
// The engine's own top-level keys (thermo, name, backend, train, executor, ...) and the plugin
// sections they hold: validates a whole document into a Pipeline and its resolved form.

#include "config/diagnostics.hpp"
#include "config/pipeline.hpp"
#include "config/sweep_section.hpp"
#include "config/value_conversion.hpp"
#include "config/yaml_tree.hpp"
#include "registry/schema_provider.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace thermo::engine {

struct ValidatedDocument {
  Pipeline pipeline;                // complete when no error was reported
  nlohmann::ordered_json resolved;  // envelope order, then schema order; defaults filled in
  bool version_supported = true;    // false: nothing but the version was checked
};

// Validates `root`. The sweep section was parsed before (its axes are given) and is only copied
// into the result; its values are checked by the caller.
[[nodiscard]] ValidatedDocument validate_document(const YamlNode& root, const std::vector<ParsedSweepAxis>& axes,
                                                  const ValueContext& context, SchemaProvider& schemas,
                                                  Diagnostics& diagnostics);

}  // namespace thermo::engine
