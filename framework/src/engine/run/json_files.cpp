#include "run/json_files.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>

#include <fstream>

namespace thermo::engine {

void write_json_file(const std::filesystem::path& file, const nlohmann::json& value) {
  write_file_durably(file, value.dump(2) + '\n');
}

nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw UserError(SourceLocation{file.string()}, "", "cannot open the file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw UserError(SourceLocation{file.string()}, "", std::string("not valid JSON: ") + error.what());
  }
}

}  // namespace thermo::engine
