// The installed SDK builds an out-of-tree plugin: install this build to a temporary prefix, build
// docs/example-plugin against it with find_package(thermo), and load the result with the
// installed `thermo`.
#include "golden_text.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace {
namespace fs = std::filesystem;
using thermo::testing::run_command;

std::string quoted(const fs::path& path) {
  std::string text = "'";
  text += path.string();
  text += "'";
  return text;
}

// Runs a command and, when it fails, shows what it printed.
void require_success(const std::string& what, const std::string& command_line) {
  const auto result = run_command(command_line);
  INFO(what, "\n$ ", command_line, "\n", result.out, result.err);
  REQUIRE(result.exit_code == 0);
}
}  // namespace

TEST_CASE("an out-of-tree plugin builds against the installed SDK and loads in the installed thermo") {
  const fs::path work = thermo::testing::scratch_dir("sdk-example");
  const fs::path prefix = work / "prefix";
  const fs::path example_build = work / "example-build";
  const std::string cmake = THERMO_CMAKE_COMMAND;

  require_success("install",
                  "'" + cmake + "' --install " + quoted(thermo::testing::build_dir()) + " --prefix " + quoted(prefix));
  CHECK(fs::exists(prefix / "include/thermo/plugin.hpp"));
  CHECK(fs::exists(prefix / "include/thermo/version.hpp"));
  CHECK(fs::exists(prefix / "bin/thermo"));

  require_success("configure the example", "'" + cmake + "' -S " +
                                               quoted(thermo::testing::source_dir() / "docs/example-plugin") + " -B " +
                                               quoted(example_build) + " -DCMAKE_PREFIX_PATH=" + quoted(prefix) +
                                               " -DCMAKE_CXX_COMPILER=" + quoted(THERMO_CXX_COMPILER));
  require_success("build the example", "'" + cmake + "' --build " + quoted(example_build));
  const fs::path plugin_folder = example_build / "plugins";
  REQUIRE(fs::exists(plugin_folder / "libthermo-estimator-weight_norm.so"));

  // The installed thermo, seeing only the example's folder (not whatever plugins the build has).
  const std::string thermo = "THERMO_NO_DEFAULT_PLUGIN_PATH=1 THERMO_PLUGIN_PATH= " + quoted(prefix / "bin/thermo");
  const std::vector<std::pair<std::string, std::string>> placeholders{{plugin_folder.string(), "<EXAMPLE>"}};
  const auto listing = run_command(thermo + " plugins --plugin-path " + quoted(plugin_folder));
  CHECK(listing.exit_code == 0);
  CHECK(thermo::testing::with_placeholders(listing.out, placeholders) == thermo::testing::golden("list_example.txt"));
  CHECK(listing.err == "");

  const auto describe = run_command(thermo + " plugins describe weight_norm --plugin-path " + quoted(plugin_folder));
  CHECK(describe.exit_code == 0);
  CHECK(thermo::testing::with_placeholders(describe.out, placeholders) ==
        thermo::testing::golden("describe_weight_norm.txt"));
  CHECK(describe.err == "");

  fs::remove_all(work);
}
