#pragma once
// Chooses and creates the run's backend. `auto` takes, among the backend plugins that load and
// report themselves available, the one of the highest BackendPlugin::auto_score (a GPU backend
// over cpu), whatever their names; a backend named explicitly that cannot run here is a UserError
// carrying the reason ("backend cuda unavailable: ...").
//
// Threads: the run's CPU threads (`threads:` at the top of the pipeline, or `--threads`, divided
// among a sweep's parallel points) go to the backend's `threads` parameter when its schema
// declares one and the pipeline's backend section leaves it 0; a backend without `threads` (cuda)
// never sees them.

#include "registry/plugin_registry.hpp"

#include <thermo/backend.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace thermo::engine {

// The backend name `name_or_auto` stands for on this machine (itself unless it is `auto`).
[[nodiscard]] std::string resolve_backend_name(PluginRegistry& registry, const std::string& name_or_auto);

// Creates the backend from its schema's defaults, then the settings `settings` holds for the
// backend `name_or_auto` resolves to (the pipeline's per-plugin settings: `--backend` naming
// another plugin than the section's leaves them unused), then `threads` as above.
[[nodiscard]] std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                                      const std::map<std::string, Params>& settings,
                                                      std::int64_t threads);
[[nodiscard]] inline std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                                             std::int64_t threads) {
  return create_backend(registry, name_or_auto, {}, threads);
}

}  // namespace thermo::engine
