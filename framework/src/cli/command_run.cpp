// Placeholder until the 'run' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_run_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("run", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'run' is not available yet"); }; });
}

}  // namespace thermo::cli
