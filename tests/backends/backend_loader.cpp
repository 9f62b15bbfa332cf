#include "backend_loader.hpp"

#include <thermo/plugin.hpp>

#include <doctest/doctest.h>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>

namespace thermo::conformance {
namespace {

struct Loaded {
  std::vector<boost::dll::shared_library> libraries;
  std::vector<std::unique_ptr<Backend>> owned;
  std::vector<NamedBackend> backends;
  std::vector<std::string> errors;
};

std::vector<std::filesystem::path> plugin_files() {
  std::vector<std::filesystem::path> files;
  const char* path = std::getenv("THERMO_PLUGIN_PATH");
  std::stringstream folders(path != nullptr ? path : "");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    std::error_code error;
    if (folder.empty() || !std::filesystem::is_directory(folder, error)) continue;
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("libthermo-backend-", 0) == 0 && entry.path().extension() == ".so") found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

Params defaults_of(const ParamSchema& schema) {
  Params params;
  for (const auto& spec : schema.specs()) {
    if (spec.default_value) params.set(spec.name, *spec.default_value);
  }
  params.set("threads", std::int64_t{0});
  return params;
}

void load(const std::filesystem::path& file, Loaded& loaded) {
  try {
    boost::dll::shared_library library(file, boost::dll::load_mode::rtld_now);
    const auto& entry = library.get_alias<const PluginEntry>("thermo_plugin_entry");
    if (entry.abi_version != kPluginAbiVersion) {
      loaded.errors.push_back(file.string() + ": plugin ABI " + std::to_string(entry.abi_version) + ", suite ABI " +
                              std::to_string(kPluginAbiVersion));
      return;
    }
    if (std::string(entry.build_id) != THERMO_BUILD_ID) {
      loaded.errors.push_back(file.string() + ": built as '" + entry.build_id + "', suite is '" THERMO_BUILD_ID "'");
      return;
    }
    const Plugin* plugin = entry.describe();
    if (plugin == nullptr || plugin->kind() != PluginKind::backend) {
      loaded.errors.push_back(file.string() + ": not a backend plugin");
      return;
    }
    const auto& backend_plugin = static_cast<const BackendPlugin&>(*plugin);
    const std::string reason = backend_plugin.unavailable_reason();
    loaded.libraries.push_back(std::move(library));
    if (!reason.empty()) {
      MESSAGE("backend " << backend_plugin.name() << " skipped: " << reason);
      return;
    }
    auto backend = backend_plugin.create(defaults_of(backend_plugin.schema()));
    loaded.backends.push_back({backend_plugin.name(), backend.get()});
    loaded.owned.push_back(std::move(backend));
  } catch (const std::exception& error) {
    loaded.errors.push_back(file.string() + ": " + error.what());
  }
}

Loaded& loaded() {
  // Never destroyed: plugin code must not be unloaded while the process runs.
  static Loaded* instance = [] {
    auto* fresh = new Loaded();
    for (const auto& file : plugin_files()) load(file, *fresh);
    return fresh;
  }();
  return *instance;
}

}  // namespace

const std::vector<NamedBackend>& backends() {
  return loaded().backends;
}
const std::vector<std::string>& load_errors() {
  return loaded().errors;
}

}  // namespace thermo::conformance
