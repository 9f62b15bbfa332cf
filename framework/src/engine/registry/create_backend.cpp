#include "registry/create_backend.hpp"

#include "util/text.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

#include <vector>

namespace thermo::engine {
namespace {
constexpr const char* kAuto = "auto";
constexpr const char* kThreads = "threads";

// The backend plugin, or a UserError saying why that backend cannot run on this machine.
const BackendPlugin& available_backend(PluginRegistry& registry, const std::string& name) {
  (void)registry.find_file(PluginKind::backend, name);  // unknown or duplicate names: the registry's own message
  const BackendPlugin* plugin = nullptr;
  try {
    plugin = &registry.get_as<BackendPlugin>(PluginKind::backend, name);
  } catch (const UserError& error) {
    throw UserError("backend " + name + " unavailable: " + error.what());
  }
  const std::string reason = plugin->unavailable_reason();
  if (!reason.empty()) throw UserError("backend " + name + " unavailable: " + reason);
  return *plugin;
}

std::string best_available_backend(PluginRegistry& registry) {
  const auto names = registry.names(PluginKind::backend);
  if (names.empty()) {
    std::vector<std::string> folders;
    for (const auto& folder : registry.search_path()) folders.push_back(folder.string());
    throw UserError(fmt::format("backend auto: no backend plugins found in {}",
                                folders.empty() ? std::string("(empty plugin path)") : join(folders, ", ")));
  }
  std::string best;
  int best_score = 0;
  std::vector<std::string> reasons;
  for (const auto& name : names) {
    try {
      const int score = available_backend(registry, name).auto_score();
      logger().debug("backend auto: {} is available (score {})", name, score);
      if (best.empty() || score > best_score) {
        best = name;
        best_score = score;
      }
    } catch (const UserError& error) {
      logger().debug("backend auto: {}", error.what());
      reasons.emplace_back(error.what());
    }
  }
  if (best.empty()) {
    throw UserError(fmt::format("backend auto: no backend can run on this machine ({})", join(reasons, "; ")));
  }
  return best;
}
}  // namespace

std::string resolve_backend_name(PluginRegistry& registry, const std::string& name_or_auto) {
  return name_or_auto == kAuto ? best_available_backend(registry) : name_or_auto;
}

std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                        const std::map<std::string, Params>& settings, std::int64_t threads) {
  const std::string name = resolve_backend_name(registry, name_or_auto);
  const BackendPlugin& plugin = available_backend(registry, name);
  const ParamSchema& schema = *registry.find_schema(PluginKind::backend, name);
  Params params = schema.defaults();
  if (const auto found = settings.find(name); found != settings.end()) {
    for (const auto& [key, value] : found->second.values()) params.set(key, value);
  }
  for (const auto& spec : schema.specs()) {
    if (!params.has(spec.name)) {
      throw UserError("backend " + name + " needs parameter '" + spec.name +
                      "': give it in the pipeline's section (backend: {plugin: " + name + ", " + spec.name +
                      ": ...}), or the backend plugin must declare a default");
    }
  }
  const ParamSpec* threads_spec = schema.find(kThreads);
  if (threads_spec != nullptr && threads_spec->type == ParamType::integer && params.get_int(kThreads) == 0) {
    params.set(kThreads, threads);
  }
  return plugin.create(params);
}

}  // namespace thermo::engine
