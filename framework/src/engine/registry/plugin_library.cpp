#include "registry/plugin_library.hpp"

#include "registry/plugin_permissions.hpp"

#include <thermo/build_id.hpp>
#include <thermo/error.hpp>
#include <thermo/version.hpp>

#include <dlfcn.h>
#include <fmt/format.h>
#include <boost/dll/shared_library.hpp>

#include <deque>
#include <mutex>

namespace thermo::engine {
namespace {

// Every library ever opened stays open until the process exits: plugin objects and exceptions
// thrown by plugin code must never outlive that code, so this container is never destroyed.
std::deque<boost::dll::shared_library>& open_libraries() {
  static auto* libraries = new std::deque<boost::dll::shared_library>();
  return *libraries;
}
std::mutex& open_libraries_mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}

// dlopen's own message, without the file name it starts with when it is about the file itself.
std::string loader_message(const std::filesystem::path& file, const boost::dll::fs::error_code& error) {
  const char* text = ::dlerror();
  std::string message = text != nullptr ? std::string(text) : error.message();
  const std::string prefix = file.string() + ": ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  return message;
}

const boost::dll::shared_library& open_library(const std::filesystem::path& file) {
  std::lock_guard lock(open_libraries_mutex());
  boost::dll::shared_library library;
  boost::dll::fs::error_code error;
  // rtld_now: a missing symbol or dependency fails here, with the loader's message, rather than
  // at the first call into the plugin.
  library.load(file, error, boost::dll::load_mode::rtld_now);
  if (error)
    throw UserError(fmt::format("{}: cannot load the library: {}", file.string(), loader_message(file, error)));
  return open_libraries().emplace_back(std::move(library));
}

std::string plugin_failed(const std::filesystem::path& file, const std::string& reason) {
  return fmt::format("{}: plugin failed to initialise: {}", file.string(), reason);
}

}  // namespace

LoadedPlugin load_plugin_library(const PluginFile& file) {
  const std::string path = file.file.string();
  // Checked immediately before opening: a library's initialisers run as soon as it is opened.
  if (auto reason = unsafe_plugin_reason(file.file.parent_path(), file.file); !reason.empty()) {
    throw UserError(reason);
  }
  const auto& library = open_library(file.file);
  if (!library.has(kPluginEntrySymbol)) {
    throw UserError(fmt::format("{}: not a thermo plugin: no '{}' symbol", path, kPluginEntrySymbol));
  }
  // Plain data in the library: reading it runs no plugin code.
  const auto& entry = library.get_alias<const PluginEntry>(kPluginEntrySymbol);
  if (entry.abi_version != kPluginAbiVersion) {
    throw UserError(fmt::format("{}: plugin ABI version {}, this thermo needs {}; rebuild the plugin against thermo {}",
                                path, entry.abi_version, kPluginAbiVersion, THERMO_VERSION));
  }
  const std::string build_id = entry.build_id != nullptr ? entry.build_id : "(none)";
  if (build_id != THERMO_BUILD_ID) {
    throw UserError(
        fmt::format("{}: plugin build id '{}' differs from this thermo's '{}'; rebuild the plugin "
                    "against this thermo with the same compiler",
                    path, build_id, THERMO_BUILD_ID));
  }
  if (entry.describe == nullptr) throw UserError(plugin_failed(file.file, "its entry has no describe function"));

  LoadedPlugin loaded;
  PluginKind declared_kind{};
  std::string declared_name;
  try {
    loaded.plugin = entry.describe();
    if (loaded.plugin != nullptr) {
      declared_kind = loaded.plugin->kind();
      declared_name = loaded.plugin->name();
      loaded.schema = loaded.plugin->schema();
    }
  } catch (const std::exception& error) {
    throw UserError(plugin_failed(file.file, error.what()));
  } catch (...) {
    throw UserError(plugin_failed(file.file, "an exception that is not a std::exception"));
  }
  if (loaded.plugin == nullptr) throw UserError(plugin_failed(file.file, "describe() returned no plugin"));
  if (declared_kind != file.kind || declared_name != file.name) {
    throw UserError(
        fmt::format("{}: the library declares {} '{}' but its file name says {} '{}'; rename the file "
                    "to {} or correct the plugin's name",
                    path, to_string(declared_kind), declared_name, to_string(file.kind), file.name,
                    plugin_file_name(declared_kind, declared_name)));
  }
  return loaded;
}

}  // namespace thermo::engine
