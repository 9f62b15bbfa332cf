#include "registry/plugin_registry.hpp"

#include "registry/plugin_library.hpp"
#include "util/text.hpp"

#include <thermo/backend.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>
#include <boost/dll/runtime_symbol_info.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <system_error>

namespace thermo::engine {
namespace fs = std::filesystem;

namespace {
constexpr const char* kFilePrefix = "libthermo-";
constexpr const char* kFileSuffix = ".so";

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' && std::string(value) != "0";
}

std::vector<fs::path> split_path_list(const std::string& text) {
  std::vector<fs::path> paths;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(':', begin), text.size());
    if (end > begin) paths.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return paths;
}

// "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string>& parts) {
  if (parts.size() <= 1) return join(parts, "");
  std::vector<std::string> head(parts.begin(), parts.end() - 1);
  return join(head, ", ") + " and " + parts.back();
}

std::string unknown_name_message(PluginKind kind, const std::string& name, const std::vector<std::string>& known,
                                 const std::vector<fs::path>& search_path) {
  const char* kind_text = to_string(kind);
  if (known.empty()) {
    std::vector<std::string> folders;
    for (const auto& folder : search_path) folders.push_back(folder.string());
    return fmt::format("unknown {} plugin '{}': no {} plugins found in {}", kind_text, name, kind_text,
                       folders.empty() ? std::string("(empty plugin path)") : join(folders, ", "));
  }
  return fmt::format("unknown {} plugin '{}'{}; known {} plugins: {}", kind_text, name, did_you_mean(name, known),
                     kind_text, join(known, ", "));
}

std::string duplicate_message(const std::vector<const PluginFile*>& files) {
  std::vector<std::string> paths;
  for (const auto* file : files) paths.push_back(file->file.string());
  return fmt::format("{} plugin '{}' is found in {} files: {}; keep only one of them on the plugin path",
                     to_string(files.front()->kind), files.front()->name, files.size(), join_and(paths));
}

std::vector<PluginFile> scan_folder(const fs::path& folder) {
  std::vector<PluginFile> found;
  std::error_code error;
  if (!fs::is_directory(folder, error)) return found;
  fs::directory_iterator entries(folder, error);
  if (error) {
    logger().warn("cannot read plugin folder {}: {}", folder.string(), error.message());
    return found;
  }
  for (const auto& entry : entries) {
    const std::string file_name = entry.path().filename().string();
    const auto parsed = parse_plugin_file_name(file_name);
    if (!parsed) {
      if (file_name.rfind(kFilePrefix, 0) == 0)
        logger().debug("ignoring {}: not named libthermo-<kind>-<name>.so", entry.path().string());
      continue;
    }
    if (!entry.is_regular_file(error)) continue;
    found.push_back({parsed->first, parsed->second, entry.path()});
  }
  std::sort(found.begin(), found.end(), [](const PluginFile& a, const PluginFile& b) { return a.file < b.file; });
  return found;
}
}  // namespace

struct PluginRegistry::Loaded {
  LoadedPlugin plugin;
  std::string error;  // the UserError message when the library could not be used
};

const std::vector<PluginKind>& all_plugin_kinds() {
  static const std::vector<PluginKind> kinds{PluginKind::backend,   PluginKind::dataset,   PluginKind::model,
                                             PluginKind::optimizer, PluginKind::estimator, PluginKind::analysis,
                                             PluginKind::report};
  return kinds;
}

std::optional<PluginKind> parse_plugin_kind(const std::string& text) {
  for (const PluginKind kind : all_plugin_kinds()) {
    if (text == to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::optional<std::pair<PluginKind, std::string>> parse_plugin_file_name(const std::string& file_name) {
  const std::string prefix = kFilePrefix;
  const std::string suffix = kFileSuffix;
  if (file_name.size() <= prefix.size() + suffix.size() || file_name.rfind(prefix, 0) != 0 ||
      file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const std::string stem = file_name.substr(prefix.size(), file_name.size() - prefix.size() - suffix.size());
  const std::size_t dash = stem.find('-');
  if (dash == std::string::npos || dash + 1 >= stem.size()) return std::nullopt;
  const auto kind = parse_plugin_kind(stem.substr(0, dash));
  if (!kind) return std::nullopt;
  return std::make_pair(*kind, stem.substr(dash + 1));
}

std::string plugin_file_name(PluginKind kind, const std::string& name) {
  return std::string(kFilePrefix) + to_string(kind) + "-" + name + kFileSuffix;
}

std::vector<fs::path> PluginRegistry::default_search_path(const std::vector<fs::path>& command_line_paths) {
  std::vector<fs::path> candidates = command_line_paths;
  if (const char* env = std::getenv("THERMO_PLUGIN_PATH")) {
    for (auto& folder : split_path_list(env)) candidates.push_back(std::move(folder));
  }
  if (!env_flag("THERMO_NO_DEFAULT_PLUGIN_PATH")) {
    boost::dll::fs::error_code error;
    const fs::path program = boost::dll::program_location(error);
    std::error_code exists_error;
    const fs::path next_to_binary = error ? fs::path() : program.parent_path().parent_path() / THERMO_PLUGIN_SUBDIR;
    if (!next_to_binary.empty()) candidates.push_back(next_to_binary);
    // The configured prefix only when the binary has no plugin folder of its own (a copied or
    // relocated binary): a build tree must not also load an installed copy of the same plugins.
    if (next_to_binary.empty() || !fs::is_directory(next_to_binary, exists_error)) {
      candidates.push_back(fs::path(THERMO_INSTALL_PREFIX) / THERMO_PLUGIN_SUBDIR);
    }
  }
  std::vector<fs::path> search_path;
  std::set<fs::path> seen;
  for (const auto& candidate : candidates) {
    std::error_code error;
    const fs::path absolute = fs::absolute(candidate, error).lexically_normal();
    const fs::path canonical = fs::weakly_canonical(absolute, error);
    if (seen.insert(error ? absolute : canonical).second) search_path.push_back(absolute);
  }
  return search_path;
}

PluginRegistry::PluginRegistry(std::vector<fs::path> search_path) : search_path_(std::move(search_path)) {
  for (const auto& folder : search_path_) {
    for (auto& file : scan_folder(folder)) files_.push_back(std::move(file));
  }
}

PluginRegistry::~PluginRegistry() = default;

std::vector<const PluginFile*> PluginRegistry::files_named(PluginKind kind, const std::string& name) const {
  std::vector<const PluginFile*> matches;
  for (const auto& file : files_) {
    if (file.kind == kind && file.name == name) matches.push_back(&file);
  }
  return matches;
}

std::vector<std::string> PluginRegistry::duplicate_errors() const {
  std::vector<std::string> errors;
  std::set<std::pair<PluginKind, std::string>> reported;
  for (const auto& file : files_) {
    const auto matches = files_named(file.kind, file.name);
    if (matches.size() > 1 && reported.insert({file.kind, file.name}).second)
      errors.push_back(duplicate_message(matches));
  }
  return errors;
}

const PluginFile& PluginRegistry::find_file(PluginKind kind, const std::string& name) const {
  const auto matches = files_named(kind, name);
  if (matches.empty()) throw UserError(unknown_name_message(kind, name, names(kind), search_path_));
  if (matches.size() > 1) throw UserError(duplicate_message(matches));
  return *matches.front();
}

const PluginRegistry::Loaded& PluginRegistry::load(PluginKind kind, const std::string& name) {
  const PluginFile& file = find_file(kind, name);
  auto& slot = loaded_[{kind, name}];
  if (!slot) {
    slot = std::make_unique<Loaded>();
    try {
      slot->plugin = load_plugin_library(file);
      logger().debug("loaded {} plugin '{}' from {}", to_string(kind), name, file.file.string());
    } catch (const UserError& error) {
      slot->error = error.what();
    }
  }
  return *slot;
}

const Plugin& PluginRegistry::get(PluginKind kind, const std::string& name) {
  std::lock_guard lock(mutex_);
  const Loaded& loaded = load(kind, name);
  if (!loaded.error.empty()) throw UserError(loaded.error);
  return *loaded.plugin.plugin;
}

const ParamSchema* PluginRegistry::find_schema(PluginKind kind, const std::string& name) {
  std::lock_guard lock(mutex_);
  if (files_named(kind, name).empty()) return nullptr;
  const Loaded& loaded = load(kind, name);
  if (!loaded.error.empty()) throw UserError(loaded.error);
  return &loaded.plugin.schema;
}

std::vector<std::string> PluginRegistry::names(PluginKind kind) const {
  std::set<std::string> unique;
  for (const auto& file : files_) {
    if (file.kind == kind) unique.insert(file.name);
  }
  return {unique.begin(), unique.end()};
}

std::vector<PluginListing> PluginRegistry::list_all() {
  std::lock_guard lock(mutex_);
  std::vector<PluginListing> rows;
  for (const auto& file : files_) {
    PluginListing row;
    row.file = file;
    const auto matches = files_named(file.kind, file.name);
    if (matches.size() > 1) {
      row.duplicate = true;
      row.error = duplicate_message(matches);
      rows.push_back(std::move(row));
      continue;
    }
    const Loaded& loaded = load(file.kind, file.name);
    row.error = loaded.error;
    if (row.error.empty()) {
      const Plugin& plugin = *loaded.plugin.plugin;
      try {
        row.version = plugin.version();
        row.summary = plugin.summary();
        if (file.kind == PluginKind::backend) {
          row.unavailable_reason = static_cast<const BackendPlugin&>(plugin).unavailable_reason();
        }
      } catch (const std::exception& error) {
        row.error = fmt::format("{}: plugin failed to initialise: {}", file.file.string(), error.what());
      }
    }
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const PluginListing& a, const PluginListing& b) {
    if (a.file.kind != b.file.kind) return a.file.kind < b.file.kind;
    return a.file.name < b.file.name;
  });
  return rows;
}

}  // namespace thermo::engine
