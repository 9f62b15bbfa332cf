#pragma once
// Each `thermo` subcommand lives in its own file and registers itself on the app here.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace thermo::cli {

// Options every subcommand shares.
struct CommonOptions {
  std::vector<std::filesystem::path> plugin_paths;  // --plugin-path (repeatable)
  bool verbose = false;
  bool quiet = false;
};

// A subcommand's body; returns the exit code. Registered commands store one in `action`.
using Action = std::function<int()>;

void add_plugins_command(CLI::App& app, CommonOptions& common, Action& action);
void add_validate_command(CLI::App& app, CommonOptions& common, Action& action);
void add_config_command(CLI::App& app, CommonOptions& common, Action& action);
void add_run_command(CLI::App& app, CommonOptions& common, Action& action);
void add_bench_command(CLI::App& app, CommonOptions& common, Action& action);
void add_analyze_command(CLI::App& app, CommonOptions& common, Action& action);
void add_report_command(CLI::App& app, CommonOptions& common, Action& action);
void add_status_command(CLI::App& app, CommonOptions& common, Action& action);

}  // namespace thermo::cli
