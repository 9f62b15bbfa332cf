#pragma once
// What many tests need: a fresh scratch folder, the paths CTest passes in, running the `thermo`
// binary and capturing what it prints.

#include <filesystem>
#include <string>
#include <vector>

namespace thermo::testing {

// A new empty folder under THERMO_TEST_TMP (or the system temp folder), named after `name`.
std::filesystem::path scratch_dir(const std::string& name);

std::filesystem::path source_dir();     // THERMO_SOURCE_DIR
std::filesystem::path build_dir();      // THERMO_BUILD_DIR
std::filesystem::path thermo_binary();  // THERMO_BINARY
std::string plugin_path();              // THERMO_PLUGIN_PATH

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a command line through /bin/sh, capturing stdout and stderr separately.
CommandResult run_command(const std::string& command_line);
// The command line of `thermo <arguments>` with the build's plugins, run from `dir` (for tests
// that pass it to run_command, or extend it with more shell).
std::string thermo_command_in(const std::filesystem::path& dir, const std::string& arguments);
// Runs `thermo <arguments>` with the build's plugins.
CommandResult run_thermo(const std::string& arguments);

std::string read_file(const std::filesystem::path& file);
// Whether the shared library `file` is loaded in this process (asked without loading it).
bool is_library_loaded(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& text);

}  // namespace thermo::testing
