// Placeholder until the 'bench' command is written; it registers the subcommand and refuses.
#include "commands.hpp"

#include <thermo/error.hpp>

namespace thermo::cli {

void add_bench_command(CLI::App& app, CommonOptions& /*common*/, Action& action) {
  auto* command = app.add_subcommand("bench", "(not available yet)");
  command->callback([&action] { action = [] () -> int { throw UserError("'bench' is not available yet"); }; });
}

}  // namespace thermo::cli
