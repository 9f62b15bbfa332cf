#pragma once
// For the data set plugins' tests: loads the built libthermo-dataset-<name>.so from
// THERMO_PLUGIN_PATH the way the engine does (Boost.DLL alias `thermo_plugin_entry`), checks its
// entry, and returns the plugin. Libraries stay loaded until the test exits.

#include "test_support.hpp"

#include <thermo/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <list>
#include <string>

namespace thermo::testing {

inline const DatasetPlugin& load_dataset_plugin(const std::string& name) {
  static std::list<boost::dll::shared_library> libraries;
  const auto file = std::filesystem::path(plugin_path()) / ("libthermo-dataset-" + name + ".so");
  REQUIRE_MESSAGE(std::filesystem::exists(file), "plugin library not built: " << file.string());
  libraries.emplace_back(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  const auto& entry = libraries.back().get_alias<const PluginEntry>("thermo_plugin_entry");
  CHECK(entry.abi_version == kPluginAbiVersion);
  CHECK(std::string(entry.build_id) == THERMO_BUILD_ID);
  const Plugin* plugin = entry.describe();
  REQUIRE(plugin != nullptr);
  CHECK(plugin->kind() == PluginKind::dataset);
  CHECK(plugin->name() == name);
  const auto* dataset_plugin = dynamic_cast<const DatasetPlugin*>(plugin);
  REQUIRE(dataset_plugin != nullptr);
  return *dataset_plugin;
}

}  // namespace thermo::testing
