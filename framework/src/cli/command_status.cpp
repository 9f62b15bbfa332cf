// `thermo status DIR [--watch [SECONDS]]`: the state of each point of a sweep or of one run.
#include "commands.hpp"

#include "sweep/sweep_status.hpp"

#include <thermo/error.hpp>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

namespace thermo::cli {
namespace {

struct StatusArguments {
  std::filesystem::path dir;
  double watch = 0.0;  // seconds between refreshes; 0: once
};

int show_status(const StatusArguments& arguments) {
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  while (true) {
    const std::string text = engine::format_sweep_status(engine::read_sweep_status(arguments.dir));
    if (arguments.watch > 0 && terminal) std::cout << "\033[H\033[2J";
    std::cout << text << std::flush;
    if (arguments.watch <= 0) return kExitOk;
    std::this_thread::sleep_for(std::chrono::duration<double>(arguments.watch));
    if (!terminal) std::cout << '\n';
  }
}

}  // namespace

void add_status_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto arguments = std::make_shared<StatusArguments>();
  auto* command = app.add_subcommand("status", "Show each point of a sweep (or a run): pending, running, done, failed");
  command->add_option("dir", arguments->dir, "Sweep or run directory")->required()->check(CLI::ExistingDirectory);
  command->add_option("--watch", arguments->watch, "Refresh every SECONDS (default 10) until interrupted")
      ->expected(0, 1)
      ->default_str("10")
      ->check(CLI::PositiveNumber);
  command->callback([arguments, &action] { action = [arguments] { return show_status(*arguments); }; });
}

}  // namespace thermo::cli
