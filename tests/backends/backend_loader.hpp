#pragma once
// How the conformance suite obtains backends: every libthermo-backend-*.so in the folders of
// THERMO_PLUGIN_PATH, loaded directly with Boost.DLL (a stand-in for the engine's registry).
// A backend whose machine lacks what it needs (no GPU) is skipped with a message.

#include <thermo/backend.hpp>

#include <string>
#include <vector>

namespace thermo::conformance {

struct NamedBackend {
  std::string name;
  Backend* backend = nullptr;
};

// The available backends, loaded once; libraries stay loaded until exit.
[[nodiscard]] const std::vector<NamedBackend>& backends();

// Why plugin files on the path could not be used (wrong ABI, no entry, create() threw): each
// one is a failure of the suite.
[[nodiscard]] const std::vector<std::string>& load_errors();

}  // namespace thermo::conformance
