#pragma once
// Chooses and creates the run's backend. `auto` takes `cuda` when its plugin loads and reports
// itself available, else `cpu`; a backend named explicitly that cannot run here is a UserError
// carrying the reason ("backend cuda unavailable: ...").

#include "registry/plugin_registry.hpp"

#include <thermo/backend.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace thermo::engine {

// The backend name `name_or_auto` stands for on this machine (itself unless it is `auto`).
[[nodiscard]] std::string resolve_backend_name(PluginRegistry& registry, const std::string& name_or_auto);

// Creates the backend with its schema's defaults and `threads` (0: the backend's default).
[[nodiscard]] std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                                      std::int64_t threads);

}  // namespace thermo::engine
