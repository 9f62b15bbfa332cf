#pragma once
// Where a run or sweep writes. Never silently overwritten: the default is runs/<name>, or
// runs/<name>-2, -3, ... when taken; an explicit --out must not exist unless the user asked to
// resume it (--resume) or to start it over (--force, which deletes it first).

#include <filesystem>
#include <optional>
#include <string>

namespace thermo::engine {

enum class ExistingOutput { refuse, resume, force };

// Returns the directory to use, created. With `resume`, an existing directory is kept as is.
std::filesystem::path prepare_output_dir(const std::optional<std::filesystem::path>& requested, const std::string& name,
                                         ExistingOutput policy, const std::filesystem::path& runs_root = "runs");

}  // namespace thermo::engine
