// Placeholder until the 'analyze' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_analyze_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("analyze", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'analyze' is not available yet"); }; });
}

}  // namespace thermo::cli
