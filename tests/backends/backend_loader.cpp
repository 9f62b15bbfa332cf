#include "backend_loader.hpp"

#include "plugins_for_tests.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <exception>
#include <memory>

namespace thermo::conformance {
namespace {

struct Loaded {
  std::vector<std::unique_ptr<Backend>> owned;
  std::vector<NamedBackend> backends;
  std::vector<std::string> errors;
};

void load(const std::string& name, Loaded& loaded) {
  try {
    const auto& plugin = testing::load_plugin<BackendPlugin>(PluginKind::backend, name);
    if (const std::string reason = plugin.unavailable_reason(); !reason.empty()) {
      MESSAGE("backend " << name << " skipped: " << reason);
      return;
    }
    auto backend = testing::make_backend(name, 0);
    loaded.backends.push_back({name, backend.get()});
    loaded.owned.push_back(std::move(backend));
  } catch (const std::exception& error) {
    loaded.errors.push_back("backend " + name + ": " + error.what());
  }
}

// THERMO_CONFORMANCE_BACKENDS=cuda,other: only these backends (tools/device-check.sh checks cuda
// alone on a GPU machine); unset: every backend plugin found.
bool selected(const std::string& name) {
  const char* only = std::getenv("THERMO_CONFORMANCE_BACKENDS");
  if (only == nullptr || *only == '\0') return true;
  const std::string list = std::string(",") + only + ",";
  return list.find("," + name + ",") != std::string::npos;
}

Loaded& loaded() {
  // Never destroyed: backends must not be torn down while other statics still use them.
  static Loaded* instance = [] {
    auto* fresh = new Loaded();
    for (const auto& name : testing::test_registry().names(PluginKind::backend)) {
      if (selected(name)) {
        load(name, *fresh);
      } else {
        MESSAGE("backend " << name << " not checked (THERMO_CONFORMANCE_BACKENDS)");
      }
    }
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
