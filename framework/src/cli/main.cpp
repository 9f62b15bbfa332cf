// The `thermo` command line: parses the subcommand, runs it, and turns errors into exit codes
// (2 for what the user can fix, 1 for bugs).
#include "commands.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/version.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
  using namespace thermo;
  auto console = spdlog::stderr_color_mt("thermo");
  console->set_pattern("%^[%l]%$ %v");
  set_logger(console);

  CLI::App app{"thermo: SGD as free-energy minimisation, one YAML file per experiment"};
  app.set_version_flag("--version", std::string("thermo ") + THERMO_VERSION);
  app.require_subcommand(1);
  cli::CommonOptions common;
  app.add_option("--plugin-path", common.plugin_paths, "Folder to search for plugins first (repeatable)");
  app.add_flag("-v,--verbose", common.verbose, "Log debug messages");
  app.add_flag("-q,--quiet", common.quiet, "Log warnings and errors only");

  cli::Action action;
  cli::add_run_command(app, common, action);
  cli::add_validate_command(app, common, action);
  cli::add_config_command(app, common, action);
  cli::add_plugins_command(app, common, action);
  cli::add_bench_command(app, common, action);
  cli::add_analyze_command(app, common, action);
  cli::add_report_command(app, common, action);
  cli::add_status_command(app, common, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : kExitUserError;
  }
  if (common.verbose) console->set_level(spdlog::level::debug);
  if (common.quiet) console->set_level(spdlog::level::warn);

  try {
    return action ? action() : kExitOk;
  } catch (const UserErrors& errors) {
    for (const auto& error : errors.errors()) std::cerr << format_error(error) << '\n';
    return kExitUserError;
  } catch (const StorageError& error) {
    std::cerr << format_error(error) << '\n';
    return kExitStorage;
  } catch (const UserError& error) {
    std::cerr << format_error(error) << '\n';
    return kExitUserError;
  } catch (const std::exception& error) {
    std::cerr << "internal error: " << error.what() << '\n';
    return kExitInternal;
  }
}
