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
#include <memory>
#include <string>

namespace thermo::engine {

// The backend name `name_or_auto` stands for on this machine (itself unless it is `auto`).
[[nodiscard]] std::string resolve_backend_name(PluginRegistry& registry, const std::string& name_or_auto);

// Creates the backend from its schema's defaults, then `settings` (the validated `backend:`
// section; ignored when null or when `name_or_auto` resolves to another plugin than the one the
// section's values were validated for, see backend_settings_for), then `threads` as above.
[[nodiscard]] std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                                      const Params* settings, std::int64_t threads);
[[nodiscard]] inline std::unique_ptr<Backend> create_backend(PluginRegistry& registry, const std::string& name_or_auto,
                                                             std::int64_t threads) {
  return create_backend(registry, name_or_auto, nullptr, threads);
}

// The settings of the pipeline's backend section when the run uses that backend: null when the
// pipeline gives a plain name, or when `--backend` (`name_override`, "" for none) names another.
[[nodiscard]] const Params* backend_settings_for(const std::string& pipeline_backend,
                                                 const std::optional<Params>& pipeline_settings,
                                                 const std::string& name_override);

}  // namespace thermo::engine
