// Golden files: each golden/<case>.yaml is loaded (with the overrides and environment its header
// comments name) and the result compared exactly with golden/<case>.errors (the error lines,
// paths relative to golden/) or golden/<case>.resolved.yaml (the resolved pipeline, the golden
// folder written as {dir}).
//
// Header comments of a case, one per line at the top:
//   # override: key=value      a command-line override (in order)
//   # env: NAME=value          set for the load, unset afterwards
#include "config/load_pipeline.hpp"
#include "fixed_schemas.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using thermo::testing::read_file;

fs::path golden_dir() {
  return thermo::testing::source_dir() / "tests" / "config" / "golden";
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

struct CaseHeader {
  std::vector<thermo::engine::Override> overrides;
  std::vector<std::pair<std::string, std::string>> environment;
};

CaseHeader read_header(const std::string& text) {
  CaseHeader header;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line) && line.rfind("# ", 0) == 0) {
    if (line.rfind("# override: ", 0) == 0) {
      header.overrides.push_back(thermo::engine::parse_override(line.substr(12)));
    } else if (line.rfind("# env: ", 0) == 0) {
      const std::string assignment = line.substr(7);
      const std::size_t equals = assignment.find('=');
      header.environment.emplace_back(assignment.substr(0, equals), assignment.substr(equals + 1));
    }
  }
  return header;
}

// What loading the case prints: the error lines, or the resolved YAML.
std::string run_case(const fs::path& file) {
  const CaseHeader header = read_header(read_file(file));
  for (const auto& [name, value] : header.environment) ::setenv(name.c_str(), value.c_str(), 1);
  thermo::testing::FixedSchemas schemas;
  std::string output;
  try {
    output = thermo::engine::load_pipeline(file, header.overrides, schemas).resolved_yaml;
    output = replace_all(output, golden_dir().string(), "{dir}");
  } catch (const thermo::UserErrors& errors) {
    for (const auto& error : errors.errors()) output += thermo::format_error(error) + "\n";
    output = replace_all(output, golden_dir().string() + "/", "");
  }
  for (const auto& [name, value] : header.environment) ::unsetenv(name.c_str());
  return output;
}

}  // namespace

TEST_CASE("every golden pipeline gives exactly its expected output") {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(golden_dir())) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".yaml" && name.find(".resolved.") == std::string::npos) {
      cases.push_back(entry.path());
    }
  }
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 20);
  for (const auto& file : cases) {
    const fs::path errors = fs::path(file).replace_extension(".errors");
    const fs::path resolved = fs::path(file).replace_extension(".resolved.yaml");
    CAPTURE(file.filename().string());
    REQUIRE_MESSAGE(fs::exists(errors) != fs::exists(resolved), "a case needs one of .errors or .resolved.yaml");
    const std::string expected = read_file(fs::exists(errors) ? errors : resolved);
    const std::string actual = run_case(file);
    if (std::getenv("THERMO_UPDATE_GOLDEN") != nullptr && actual != expected) {
      thermo::testing::write_file(fs::exists(errors) ? errors : resolved, actual);
    }
    CHECK(actual == expected);
  }
}
