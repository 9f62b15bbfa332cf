#pragma once
// Reading and writing the JSON files of run and sweep directories. Writes are durable
// (thermo/durable_file.hpp): a reader, a kill or a full disk never leaves half a file.

#include <nlohmann/json.hpp>

#include <filesystem>

namespace thermo::engine {

void write_json_file(const std::filesystem::path& file, const nlohmann::json& value);
// UserError naming the file when it is missing or not valid JSON.
[[nodiscard]] nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace thermo::engine
