#include "run/run_directory.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

namespace thermo::engine {

std::filesystem::path prepare_output_dir(const std::optional<std::filesystem::path>& requested, const std::string& name,
                                         ExistingOutput policy, const std::filesystem::path& runs_root) {
  namespace fs = std::filesystem;
  if (requested) {
    const fs::path& dir = *requested;
    if (fs::exists(dir)) {
      if (!fs::is_directory(dir)) {
        throw UserError(SourceLocation{dir.string()}, "", "--out names a file, not a directory");
      }
      switch (policy) {
        case ExistingOutput::refuse:
          throw UserError(SourceLocation{dir.string()}, "",
                          "the output directory exists; add --resume to continue it or --force to start it over");
        case ExistingOutput::force: fs::remove_all(dir); break;
        case ExistingOutput::resume: return dir;
      }
    } else if (policy == ExistingOutput::resume) {
      throw UserError(SourceLocation{dir.string()}, "", "--resume: the output directory does not exist");
    }
    fs::create_directories(dir);
    return dir;
  }
  if (policy == ExistingOutput::resume) throw UserError("--resume needs --out DIR naming the run or sweep to continue");
  fs::create_directories(runs_root);
  for (int suffix = 1;; ++suffix) {
    const fs::path dir = runs_root / (suffix == 1 ? name : fmt::format("{}-{}", name, suffix));
    // create_directory is atomic: two thermo processes never get the same directory.
    if (fs::create_directory(dir)) return dir;
  }
}

}  // namespace thermo::engine
