// Placeholder until the 'validate' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_validate_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("validate", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'validate' is not available yet"); }; });
}

}  // namespace thermo::cli
