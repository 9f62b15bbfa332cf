#pragma once
// Plugins are code: before a library is opened, the file and the folder it is found in must be
// writable only by their owner, and that owner must be the user running thermo or root. Anyone
// else who could write either could make thermo run their code.

#include <filesystem>
#include <string>

namespace thermo::engine {

// Why `file` (a plugin library found in `folder`, a folder of the search path) must not be loaded,
// or "" when it may be. The reasons say what is wrong and how to fix it (`chmod go-w ...`).
// Checked: the folder, the file (through symbolic links) and, for a link, the folder of its target;
// each must be owned by this process's user or root, and not group- or world-writable.
[[nodiscard]] std::string unsafe_plugin_reason(const std::filesystem::path& folder, const std::filesystem::path& file);

}  // namespace thermo::engine
