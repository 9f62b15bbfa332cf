#include "registry/create_backend.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/plugin.hpp>

#include <algorithm>

namespace thermo::engine {
namespace {
constexpr const char* kAuto = "auto";
constexpr const char* kPreferred = "cuda";
constexpr const char* kFallback = "cpu";

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
}  // namespace

std::string resolve_backend_name(PluginRegistry& registry, const std::string& name_or_auto) {
  if (name_or_auto != kAuto) return name_or_auto;
  const auto names = registry.names(PluginKind::backend);
  if (std::find(names.begin(), names.end(), kPreferred) != names.end()) {
    try {
      (void)available_backend(registry, kPreferred);
      return kPreferred;
    } catch (const UserError& error) {
      logger().debug("backend auto: {}; using {}", error.what(), kFallback);
    }
  }
  return kFallback;
}

std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                        std::int64_t threads) {
  const std::string name = resolve_backend_name(registry, name_or_auto);
  const BackendPlugin& plugin = available_backend(registry, name);
  const ParamSchema& schema = *registry.find_schema(PluginKind::backend, name);
  for (const auto& spec : schema.specs()) {
    if (spec.required()) {
      throw UserError("backend " + name + " needs parameter '" + spec.name +
                      "', which a pipeline cannot give; the backend plugin must declare a default");
    }
  }
  Params params = schema.defaults();
  params.set("threads", threads);
  return plugin.create(params);
}

}  // namespace thermo::engine
