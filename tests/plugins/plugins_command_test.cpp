// `thermo plugins` and `thermo plugins describe` on the fixture folders: exact output, exit codes.
#include "golden_text.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

namespace {
using thermo::testing::CommandResult;
using thermo::testing::fixture_folder;
using thermo::testing::golden;
using thermo::testing::with_placeholders;

// `thermo <arguments>` seeing only the folders given with --plugin-path.
CommandResult thermo_on_fixtures(const std::string& arguments) {
  auto result = thermo::testing::run_command("THERMO_NO_DEFAULT_PLUGIN_PATH=1 THERMO_PLUGIN_PATH= '" +
                                             thermo::testing::thermo_binary().string() + "' " + arguments);
  result.out = with_placeholders(result.out);
  result.err = with_placeholders(result.err);
  return result;
}

std::string plugin_path_options(const std::vector<std::string>& scenarios) {
  std::string options;
  for (const auto& scenario : scenarios) options += " --plugin-path '" + fixture_folder(scenario).string() + "'";
  return options;
}
}  // namespace

TEST_CASE("thermo plugins lists good and broken libraries, one row each, and exits 0") {
  const auto result = thermo_on_fixtures(
      "plugins" + plugin_path_options({"good", "not_elf", "no_entry", "abi", "build_id", "throws", "misnamed"}));
  CHECK(result.exit_code == 0);
  CHECK(result.out == golden("list_fixtures.txt"));
  CHECK(result.err == "");
}

TEST_CASE("thermo plugins shows why a backend cannot run here") {
  const auto result = thermo_on_fixtures("plugins" + plugin_path_options({"backends_no_gpu"}));
  CHECK(result.exit_code == 0);
  CHECK(result.out == golden("list_backends.txt"));
}

TEST_CASE("thermo plugins exits 2 when two files have one kind and name") {
  const auto result = thermo_on_fixtures("plugins" + plugin_path_options({"duplicate_a", "duplicate_b"}));
  CHECK(result.exit_code == 2);
  CHECK(result.out == golden("list_duplicates.txt"));
  CHECK(result.err ==
        "error: optimizer plugin 'fixture_dup' is found in 2 files: "
        "<FIXTURES>/duplicate_a/libthermo-optimizer-fixture_dup.so and "
        "<FIXTURES>/duplicate_b/libthermo-optimizer-fixture_dup.so; keep only one of them on the plugin path\n");
}

TEST_CASE("--plugin-path works before and after the subcommand; an empty path finds nothing") {
  const auto before = thermo_on_fixtures(plugin_path_options({"good"}) + " plugins");
  const auto after = thermo_on_fixtures("plugins" + plugin_path_options({"good"}));
  CHECK(before.exit_code == 0);
  CHECK(before.out == after.out);
  const auto empty = thermo_on_fixtures("plugins");
  CHECK(empty.exit_code == 0);
  CHECK(empty.out == "plugin path: (empty)\nno plugins found\n");
}

TEST_CASE("thermo plugins describe prints a plugin's parameters") {
  const auto by_name = thermo_on_fixtures("plugins describe fixture_sgd" + plugin_path_options({"good"}));
  CHECK(by_name.exit_code == 0);
  CHECK(by_name.out == golden("describe_fixture_sgd.txt"));
  CHECK(by_name.err == "");
  const auto qualified = thermo_on_fixtures("plugins describe optimizer/fixture_sgd" + plugin_path_options({"good"}));
  CHECK(qualified.exit_code == 0);
  CHECK(qualified.out == by_name.out);

  const auto backend = thermo_on_fixtures("plugins describe cuda" + plugin_path_options({"backends_no_gpu"}));
  CHECK(backend.exit_code == 0);
  CHECK(backend.out == golden("describe_backend_cuda.txt"));
}

TEST_CASE("thermo plugins describe: unknown, ambiguous and broken names are user errors") {
  const auto unknown = thermo_on_fixtures("plugins describe fixture_sdg" + plugin_path_options({"good"}));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out == "");
  CHECK(unknown.err ==
        "error: no plugin named 'fixture_sdg' (did you mean 'fixture_sgd'?); 'thermo plugins' lists them all\n");

  const auto unknown_qualified =
      thermo_on_fixtures("plugins describe optimizer/fixture_sdg" + plugin_path_options({"good"}));
  CHECK(unknown_qualified.exit_code == 2);
  CHECK(unknown_qualified.err ==
        "error: unknown optimizer plugin 'fixture_sdg' (did you mean 'fixture_sgd'?); known optimizer plugins: "
        "fixture_adam, fixture_sgd\n");

  const auto bad_kind = thermo_on_fixtures("plugins describe optimiser/fixture_sgd" + plugin_path_options({"good"}));
  CHECK(bad_kind.exit_code == 2);
  CHECK(bad_kind.err ==
        "error: unknown plugin kind 'optimiser' (did you mean 'optimizer'?); kinds: backend, dataset, model, "
        "optimizer, estimator, analysis, report\n");

  const auto abi = thermo_on_fixtures("plugins describe fixture_abi" + plugin_path_options({"abi"}));
  CHECK(abi.exit_code == 2);
  CHECK(
      abi.err ==
      "error: <FIXTURES>/abi/libthermo-model-fixture_abi.so: plugin ABI version 999, this thermo needs <ABI>; rebuild "
      "the plugin against thermo <VERSION>\n");

  const auto not_elf = thermo_on_fixtures("plugins describe fixture_text" + plugin_path_options({"not_elf"}));
  CHECK(not_elf.exit_code == 2);
  CHECK(not_elf.err ==
        "error: <FIXTURES>/not_elf/libthermo-model-fixture_text.so: cannot load the library: invalid ELF header\n");

  const auto duplicate =
      thermo_on_fixtures("plugins describe fixture_dup" + plugin_path_options({"duplicate_a", "duplicate_b"}));
  CHECK(duplicate.exit_code == 2);
  CHECK(duplicate.err.find("error: optimizer plugin 'fixture_dup' is found in 2 files") == 0);

  const auto ambiguous = thermo_on_fixtures("plugins describe fixture_sgd" + plugin_path_options({"ambiguous"}));
  CHECK(ambiguous.exit_code == 2);
  CHECK(ambiguous.err ==
        "error: 'fixture_sgd' names plugins of several kinds (model/fixture_sgd, optimizer/fixture_sgd); write one "
        "of them\n");
  const auto wrong_kind = thermo_on_fixtures("plugins describe model/fixture_sgd" + plugin_path_options({"ambiguous"}));
  CHECK(wrong_kind.exit_code == 2);
  CHECK(wrong_kind.err ==
        "error: <FIXTURES>/ambiguous/libthermo-model-fixture_sgd.so: the library declares optimizer 'fixture_sgd' but "
        "its file name says model 'fixture_sgd'; rename the file to libthermo-optimizer-fixture_sgd.so or correct "
        "the plugin's name\n");
}

TEST_CASE("a plugin's log messages reach the CLI's console logger") {
  const auto result = thermo_on_fixtures("-v plugins describe fixture_sgd" + plugin_path_options({"good"}));
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("[debug] fixture_sgd: plugin object constructed\n") != std::string::npos);
}
