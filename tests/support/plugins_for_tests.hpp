#pragma once
// The build's real plugins for tests, loaded through the engine's registry exactly as `thermo`
// loads them (THERMO_PLUGIN_PATH points at the build's plugin folder), and Params as the engine
// hands them to a factory: the schema's defaults with some values replaced.

#include "registry/plugin_registry.hpp"

#include <thermo/backend.hpp>
#include <thermo/params.hpp>
#include <thermo/plugin.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace thermo::testing {

// One registry for the whole test executable; libraries stay loaded until it exits.
engine::PluginRegistry& test_registry();

template <class PluginType>
const PluginType& load_plugin(PluginKind kind, const std::string& name) {
  return test_registry().get_as<PluginType>(kind, name);
}

// The schema's defaults, with `values` replacing some; std::logic_error on an undeclared name or
// a required parameter left without a value.
Params params_with(const ParamSchema& schema, const std::map<std::string, ParamValue>& values = {});

// A backend as runs create it (threads: 2 unless given).
std::unique_ptr<Backend> make_backend(const std::string& name = "cpu", std::int64_t threads = 2,
                                      const std::map<std::string, ParamValue>& settings = {});

// The backends whose plugins are built and can run on this machine (cuda only with a device).
std::vector<std::string> available_backends();

}  // namespace thermo::testing
