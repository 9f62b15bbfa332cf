#pragma once
// Finds plugin libraries on the search path, loads the ones a pipeline names, checks their ABI
// version and build id before running any of their code, and keeps them loaded until exit.
// File names follow libthermo-<kind>-<name>.so, so names are known without loading anything.

#include "registry/schema_provider.hpp"

#include <thermo/plugin.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace thermo::engine {

struct PluginFile {
  PluginKind kind = PluginKind::backend;
  std::string name;
  std::filesystem::path file;
};

// One row of `thermo plugins`.
struct PluginListing {
  PluginFile file;
  std::string version;  // empty when the library could not be loaded
  std::string summary;
  std::string error;               // why it could not be loaded, or ""
  bool duplicate = false;          // another file on the search path has the same kind and name
  std::string unavailable_reason;  // backends: why this machine cannot run it, or ""
};

class PluginRegistry final : public SchemaProvider {
 public:
  // The search path, in order: --plugin-path folders, THERMO_PLUGIN_PATH (colon-separated), then
  // <prefix>/lib/thermo/plugins next to the running binary and, only when that folder does not
  // exist, the configured install prefix's. Folders are deduplicated. THERMO_NO_DEFAULT_PLUGIN_PATH=1
  // drops the last two (tests use it to see only their fixture folders).
  [[nodiscard]] static std::vector<std::filesystem::path> default_search_path(
      const std::vector<std::filesystem::path>& command_line_paths);

  explicit PluginRegistry(std::vector<std::filesystem::path> search_path);
  ~PluginRegistry() override;
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  [[nodiscard]] const std::vector<std::filesystem::path>& search_path() const { return search_path_; }
  // Every plugin file found, in search-path order. Two files with one kind and name are listed
  // both; get() of that name is a UserError naming both.
  [[nodiscard]] const std::vector<PluginFile>& files() const { return files_; }
  // One message per kind and name found in more than one file (empty when all are unique).
  [[nodiscard]] std::vector<std::string> duplicate_errors() const;

  // Loads (once) and returns the plugin. UserError: unknown name (listing the known ones, with a
  // did-you-mean), not a plugin library, missing entry, ABI or build-id mismatch, a describe()
  // that throws, a library whose declared kind or name differs from its file name.
  const Plugin& get(PluginKind kind, const std::string& name);
  template <class PluginType>
  const PluginType& get_as(PluginKind kind, const std::string& name) {
    return static_cast<const PluginType&>(get(kind, name));
  }
  // The file get() would load; UserError as get() for an unknown or duplicate name.
  [[nodiscard]] const PluginFile& find_file(PluginKind kind, const std::string& name) const;

  // Loads every plugin found, for `thermo plugins`; failures are reported per row, not thrown.
  [[nodiscard]] std::vector<PluginListing> list_all();

  // SchemaProvider
  [[nodiscard]] const ParamSchema* find_schema(PluginKind kind, const std::string& name) override;
  [[nodiscard]] std::vector<std::string> names(PluginKind kind) const override;

 private:
  struct Loaded;
  const Loaded& load(PluginKind kind, const std::string& name);  // caller holds mutex_
  [[nodiscard]] std::vector<const PluginFile*> files_named(PluginKind kind, const std::string& name) const;

  std::vector<std::filesystem::path> search_path_;
  std::vector<PluginFile> files_;
  std::map<std::pair<PluginKind, std::string>, std::unique_ptr<Loaded>> loaded_;
  std::mutex mutex_;
};

// The folder name of a kind in plugins/ and file names: "backend", "dataset", ...; parse back.
[[nodiscard]] std::optional<PluginKind> parse_plugin_kind(const std::string& text);
// Every kind, in declaration order.
[[nodiscard]] const std::vector<PluginKind>& all_plugin_kinds();
// "libthermo-model-convnet.so" → {model, "convnet"}; nullopt for any other file name.
[[nodiscard]] std::optional<std::pair<PluginKind, std::string>> parse_plugin_file_name(const std::string& file_name);
// The file name a plugin of that kind and name must have.
[[nodiscard]] std::string plugin_file_name(PluginKind kind, const std::string& name);

}  // namespace thermo::engine
