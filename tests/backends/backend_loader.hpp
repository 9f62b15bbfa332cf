#pragma once
// How the conformance suite obtains backends: every backend plugin on THERMO_PLUGIN_PATH (or
// those THERMO_CONFORMANCE_BACKENDS names, comma-separated), loaded through the engine's registry
// as `thermo` loads it. A backend whose machine lacks what it needs (no GPU) is skipped with the
// reason (the driver's message); a plugin that cannot be loaded is a failure.

#include <thermo/backend.hpp>

#include <string>
#include <vector>

namespace thermo::conformance {

struct NamedBackend {
  std::string name;
  Backend* backend = nullptr;
};

// The available backends, created once (all threads of the machine); they live until exit.
[[nodiscard]] const std::vector<NamedBackend>& backends();

// Why backend plugins on the path could not be used (wrong ABI, no entry, create() threw): each
// one is a failure of the suite.
[[nodiscard]] const std::vector<std::string>& load_errors();

}  // namespace thermo::conformance
