// `thermo validate FILE...`: loads each pipeline (overrides none, sweep values included) and
// reports every error of every file; exit 2 when any file failed.
#include "cli_support.hpp"
#include "commands.hpp"

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <thermo/error.hpp>

#include <iostream>
#include <memory>

namespace thermo::cli {

void add_validate_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto* command = app.add_subcommand("validate", "Check pipeline files without running them");
  auto files = std::make_shared<std::vector<std::filesystem::path>>();
  command->add_option("files", *files, "Pipeline files")->required();
  command->callback([&action, &common, files] {
    action = [&common, files]() -> int {
      auto registry = make_registry(common);
      bool failed = false;
      for (const auto& file : *files) {
        try {
          (void)engine::load_pipeline(file, {}, registry);
          std::cout << file.string() << ": ok\n";
        } catch (const UserErrors& errors) {
          failed = true;
          for (const auto& error : errors.errors()) std::cerr << format_error(error) << '\n';
        } catch (const UserError& error) {
          failed = true;
          std::cerr << format_error(error) << '\n';
        }
      }
      return failed ? kExitUserError : kExitOk;
    };
  });
}

}  // namespace thermo::cli
