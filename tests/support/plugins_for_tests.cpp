#include "plugins_for_tests.hpp"

#include "registry/create_backend.hpp"
#include "test_support.hpp"

#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace thermo::testing {

engine::PluginRegistry& test_registry() {
  static engine::PluginRegistry registry([] {
    std::vector<std::filesystem::path> folders;
    std::istringstream path(plugin_path());
    for (std::string folder; std::getline(path, folder, ':');) {
      if (!folder.empty()) folders.emplace_back(folder);
    }
    return folders;
  }());
  return registry;
}

Params params_with(const ParamSchema& schema, const std::map<std::string, ParamValue>& values) {
  std::map<std::string, ParamValue> filled = schema.defaults().values();
  for (const auto& [name, value] : values) {
    if (schema.find(name) == nullptr) throw std::logic_error("params_with: undeclared parameter " + name);
    filled[name] = value;
  }
  for (const auto& spec : schema.specs()) {
    if (filled.count(spec.name) == 0) throw std::logic_error("params_with: required parameter missing: " + spec.name);
  }
  return Params(std::move(filled));
}

std::unique_ptr<Backend> make_backend(const std::string& name, std::int64_t threads,
                                      const std::map<std::string, ParamValue>& settings) {
  return engine::create_backend(test_registry(), name, {{name, Params(settings)}}, threads);
}

std::vector<std::string> available_backends() {
  std::vector<std::string> names;
  for (const auto& name : test_registry().names(PluginKind::backend)) {
    const auto& plugin = test_registry().get_as<BackendPlugin>(PluginKind::backend, name);
    if (plugin.unavailable_reason().empty()) names.push_back(name);
  }
  return names;
}

}  // namespace thermo::testing
