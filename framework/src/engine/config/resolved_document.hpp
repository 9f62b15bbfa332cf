#pragma once
// Writes the resolved pipeline (every default filled in, keys in a stable order) as readable
// block YAML that reads back to the same pipeline, and as JSON.

#include <nlohmann/json.hpp>

#include <string>

namespace thermo::engine {

// Block YAML; lists of scalars in flow style; strings quoted where YAML would read them as
// something else; ${ written as $${ so that reading it back expands nothing.
[[nodiscard]] std::string to_block_yaml(const nlohmann::ordered_json& document);

// The same data with std::map objects (the Pipeline::resolved form).
[[nodiscard]] nlohmann::json to_plain_json(const nlohmann::ordered_json& document);

}  // namespace thermo::engine
