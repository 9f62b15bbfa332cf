// `thermo plugins`: a table of every plugin on the search path (kind, name, version, file, and why
// a library cannot be used); `thermo plugins describe NAME`: one plugin's parameters.
#include "cli_support.hpp"
#include "commands.hpp"

#include "registry/plugin_registry.hpp"
#include "util/text.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

namespace thermo::cli {
namespace {
using engine::PluginRegistry;

// Rows of cells printed with each column as wide as its widest cell; the last is not padded.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                 const std::vector<std::string>& notes_after_row = {}) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      line += i + 1 < rows[r].size() ? fmt::format("{:<{}}  ", rows[r][i], widths[i]) : rows[r][i];
    }
    out << line << '\n';
    if (r < notes_after_row.size() && !notes_after_row[r].empty()) out << notes_after_row[r];
  }
}

std::string path_list(const std::vector<std::filesystem::path>& folders) {
  std::vector<std::string> parts;
  for (const auto& folder : folders) parts.push_back(folder.string());
  return parts.empty() ? std::string("(empty)") : engine::join(parts, ":");
}

int list_plugins(PluginRegistry& registry) {
  std::cout << "plugin path: " << path_list(registry.search_path()) << '\n';
  const auto listings = registry.list_all();
  if (listings.empty()) {
    std::cout << "no plugins found\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"KIND", "NAME", "VERSION", "FILE"}};
  std::vector<std::string> notes{""};
  for (const auto& listing : listings) {
    rows.push_back({to_string(listing.file.kind), listing.file.name, listing.version.empty() ? "-" : listing.version,
                    listing.file.file.string()});
    std::string note;
    if (!listing.error.empty()) note += "  error: " + listing.error + '\n';
    if (!listing.unavailable_reason.empty()) note += "  unavailable: " + listing.unavailable_reason + '\n';
    notes.push_back(note);
  }
  print_table(std::cout, rows, notes);
  const auto duplicates = registry.duplicate_errors();
  for (const auto& message : duplicates) std::cerr << "error: " << message << '\n';
  return duplicates.empty() ? kExitOk : kExitUserError;
}

// `kind/name`, or a bare name that only one kind has.
std::pair<PluginKind, std::string> resolve_plugin_name(const PluginRegistry& registry, const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash != std::string::npos) {
    const std::string kind_text = text.substr(0, slash);
    const auto kind = engine::parse_plugin_kind(kind_text);
    if (!kind) {
      std::vector<std::string> kinds;
      for (const PluginKind known : engine::all_plugin_kinds()) kinds.emplace_back(to_string(known));
      throw UserError(fmt::format("unknown plugin kind '{}'{}; kinds: {}", kind_text,
                                  engine::did_you_mean(kind_text, kinds), engine::join(kinds, ", ")));
    }
    return {*kind, text.substr(slash + 1)};
  }
  std::vector<PluginKind> kinds_with_name;
  std::vector<std::string> all_names;
  for (const PluginKind kind : engine::all_plugin_kinds()) {
    for (const auto& name : registry.names(kind)) {
      if (name == text) kinds_with_name.push_back(kind);
      all_names.push_back(name);
    }
  }
  if (kinds_with_name.empty()) {
    throw UserError(fmt::format("no plugin named '{}'{}; 'thermo plugins' lists them all", text,
                                engine::did_you_mean(text, all_names)));
  }
  if (kinds_with_name.size() > 1) {
    std::vector<std::string> qualified;
    for (const PluginKind kind : kinds_with_name) qualified.push_back(std::string(to_string(kind)) + "/" + text);
    throw UserError(fmt::format("'{}' names plugins of several kinds ({}); write one of them", text,
                                engine::join(qualified, ", ")));
  }
  return {kinds_with_name.front(), text};
}

int describe_plugin(PluginRegistry& registry, const std::string& text) {
  const auto [kind, name] = resolve_plugin_name(registry, text);
  const Plugin& plugin = registry.get(kind, name);
  const ParamSchema* schema = registry.find_schema(kind, name);
  std::cout << to_string(kind) << ' ' << name << ' ' << plugin.version() << '\n';
  const std::string summary = plugin.summary();
  if (!summary.empty()) std::cout << summary << '\n';
  std::cout << "file: " << registry.find_file(kind, name).file.string() << '\n';
  if (kind == PluginKind::backend) {
    const std::string reason = static_cast<const BackendPlugin&>(plugin).unavailable_reason();
    if (!reason.empty()) std::cout << "unavailable: " << reason << '\n';
  }
  if (schema->specs().empty()) {
    std::cout << "\nparameters: none\n";
    return kExitOk;
  }
  std::cout << "\nparameters:\n";
  std::vector<std::vector<std::string>> rows{{"NAME", "TYPE", "DEFAULT", "CONSTRAINT", "DESCRIPTION"}};
  for (const auto& spec : schema->specs()) {
    rows.push_back({spec.name, to_string(spec.type),
                    spec.default_value ? to_yaml_text(*spec.default_value) : "(required)", spec.describe_constraint(),
                    spec.description});
  }
  print_table(std::cout, rows);
  return kExitOk;
}

struct PluginsOptions {
  std::string describe_name;
};
}  // namespace

void add_plugins_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto options = std::make_shared<PluginsOptions>();
  auto* command = app.add_subcommand("plugins", "List the plugins found on the plugin path");
  command->fallthrough();  // `thermo plugins --plugin-path DIR` as well as `thermo --plugin-path DIR plugins`
  auto* describe = command->add_subcommand("describe", "Show a plugin's summary and parameters");
  describe->fallthrough();
  describe->add_option("name", options->describe_name, "kind/name, or a name only one kind has")->required();

  command->callback([&action, &common, options, describe] {
    action = [&common, options, describe]() -> int {
      auto registry = make_registry(common);
      if (describe->parsed()) return describe_plugin(registry, options->describe_name);
      return list_plugins(registry);
    };
  });
}

}  // namespace thermo::cli
