// Placeholder until the 'config' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_config_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("config", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'config' is not available yet"); }; });
}

}  // namespace thermo::cli
