// Placeholder until the 'plugins' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_plugins_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("plugins", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'plugins' is not available yet"); }; });
}

}  // namespace thermo::cli
