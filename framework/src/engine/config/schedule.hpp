#pragma once
// A <schedule> (which iterations log or checkpoint): `paper`, `none`, `{every: N}`, a list of
// iterations, or `{first: [a, b], logspace: {start: x, num: K}}`.

#include "config/diagnostics.hpp"
#include "config/pipeline.hpp"
#include "config/value_conversion.hpp"
#include "config/yaml_tree.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace thermo::engine {

// The schedule, or nullopt after reporting why not. Null reads as `none`. `resolved` receives
// its canonical form.
[[nodiscard]] std::optional<ScheduleSpec> parse_schedule(const YamlNode& node, const std::string& key_path,
                                                         const ValueContext& context, Diagnostics& diagnostics,
                                                         nlohmann::ordered_json& resolved);

// The canonical form of a schedule, as parse_schedule writes it.
[[nodiscard]] nlohmann::ordered_json schedule_to_json(const ScheduleSpec& schedule);

}  // namespace thermo::engine
