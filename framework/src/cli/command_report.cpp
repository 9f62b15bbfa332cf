// Placeholder until the 'report' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_report_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("report", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'report' is not available yet"); }; });
}

}  // namespace thermo::cli
