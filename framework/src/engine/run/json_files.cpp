#include "run/json_files.hpp"

#include <thermo/error.hpp>

#include <fstream>

namespace thermo::engine {

void write_json_file(const std::filesystem::path& file, const nlohmann::json& value) {
  const auto temporary = std::filesystem::path(file).concat(".partial");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << value.dump(2) << '\n';
    if (!out) throw UserError(SourceLocation{file.string()}, "", "cannot write the file");
  }
  std::filesystem::rename(temporary, file);
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
