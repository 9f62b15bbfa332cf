#include "golden_text.hpp"

#include "test_support.hpp"

#include <thermo/build_id.hpp>
#include <thermo/plugin.hpp>
#include <thermo/version.hpp>

namespace thermo::testing {
namespace {
void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}
}  // namespace

std::filesystem::path fixture_folder(const std::string& scenario) {
  return std::filesystem::path(THERMO_PLUGIN_FIXTURES) / scenario;
}

std::string with_placeholders(std::string text, const std::vector<std::pair<std::string, std::string>>& extra) {
  for (const auto& [value, placeholder] : extra) replace_all(text, value, placeholder);
  replace_all(text, THERMO_PLUGIN_FIXTURES, "<FIXTURES>");
  replace_all(text, THERMO_BUILD_ID, "<BUILD_ID>");
  replace_all(text, std::string("thermo ") + THERMO_VERSION, "thermo <VERSION>");
  replace_all(text, "this thermo needs " + std::to_string(kPluginAbiVersion), "this thermo needs <ABI>");
  return text;
}

std::string golden(const std::string& name) {
  return read_file(source_dir() / "tests/plugins/golden" / name);
}

}  // namespace thermo::testing
