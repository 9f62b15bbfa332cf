#include "bench_backend.hpp"

#include "registry/plugin_registry.hpp"

#include <thermo/plugin.hpp>

#include <stdexcept>

namespace thermo::bench {

std::unique_ptr<Backend> load_backend(const std::filesystem::path& plugin_dir, const std::string& name,
                                      std::int64_t threads, const std::map<std::string, ParamValue>& extra) {
  // Never destroyed: the plugin's thread pools live until the process ends.
  static auto* registry = new engine::PluginRegistry({plugin_dir});
  const auto& plugin = registry->get_as<BackendPlugin>(PluginKind::backend, name);
  if (const auto reason = plugin.unavailable_reason(); !reason.empty()) {
    throw std::runtime_error("backend " + name + " unavailable: " + reason);
  }
  const ParamSchema schema = plugin.schema();
  Params params = schema.defaults();
  if (schema.find("threads") != nullptr) params.set("threads", threads);
  for (const auto& [key, value] : extra) {
    if (schema.find(key) == nullptr) throw std::runtime_error("backend " + name + " has no parameter " + key);
    params.set(key, value);
  }
  return plugin.create(params);
}

}  // namespace thermo::bench
