#pragma once
// Reading and writing the JSON files of run and sweep directories. Writes go to a temporary
// file that is renamed, so a reader (or a kill) never sees half a file.

#include <nlohmann/json.hpp>

#include <filesystem>

namespace thermo::engine {

void write_json_file(const std::filesystem::path& file, const nlohmann::json& value);
// UserError naming the file when it is missing or not valid JSON.
[[nodiscard]] nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace thermo::engine
