#pragma once
// Opens one plugin library and checks it before trusting it: who can write the file and its
// folder (plugin_permissions.hpp), the entry symbol, its ABI version and build id (read as plain
// data, before any plugin code runs), then describe(), the declared kind and name against the
// file name, and the schema. Libraries are never unloaded.

#include "registry/plugin_registry.hpp"

#include <thermo/params.hpp>
#include <thermo/plugin.hpp>

namespace thermo::engine {

struct LoadedPlugin {
  const Plugin* plugin = nullptr;
  ParamSchema schema;
};

// UserError naming the file for every way a library can fail to be a usable plugin.
[[nodiscard]] LoadedPlugin load_plugin_library(const PluginFile& file);

// The symbol every plugin exports (THERMO_PLUGIN in thermo/plugin.hpp).
inline constexpr const char* kPluginEntrySymbol = "thermo_plugin_entry";

}  // namespace thermo::engine
