#pragma once
// Helpers of the configuration tests: load a pipeline written inline, collect error lines.

#include "config/load_pipeline.hpp"
#include "fixed_schemas.hpp"
#include "test_support.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace thermo::testing {

// Writes `text` as <scratch>/<file_name> and returns its path.
inline std::filesystem::path write_pipeline(const std::string& text, const std::string& file_name = "pipeline.yaml") {
  const auto file = scratch_dir("config") / file_name;
  write_file(file, text);
  return file;
}

inline std::vector<engine::Override> overrides_of(const std::vector<std::string>& arguments) {
  std::vector<engine::Override> overrides;
  for (const auto& argument : arguments) overrides.push_back(engine::parse_override(argument));
  return overrides;
}

inline engine::Pipeline load_text(const std::string& text, const std::vector<std::string>& overrides = {}) {
  FixedSchemas schemas;
  return engine::load_pipeline(write_pipeline(text), overrides_of(overrides), schemas);
}

// The errors loading `file` reports, formatted, with `file`'s folder left out; "" when it loads.
inline std::string load_errors(const std::filesystem::path& file, const std::vector<std::string>& overrides = {}) {
  FixedSchemas schemas;
  try {
    (void)engine::load_pipeline(file, overrides_of(overrides), schemas);
  } catch (const UserErrors& errors) {
    std::string text;
    for (const auto& error : errors.errors()) {
      std::string line = format_error(error);
      const std::string folder = file.parent_path().string() + "/";
      if (line.rfind(folder, 0) == 0) line.erase(0, folder.size());
      text += line + "\n";
    }
    return text;
  }
  return {};
}

inline std::string text_errors(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return load_errors(write_pipeline(text), overrides);
}

}  // namespace thermo::testing
