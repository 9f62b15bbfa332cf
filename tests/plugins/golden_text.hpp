#pragma once
// Golden-text comparison for the plugin tests: build-dependent parts of a message (the fixture
// folder, the thermo version and build id, the example's build folder) become placeholders.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace thermo::testing {

// The folder holding one fixture scenario (tests/plugins/CMakeLists.txt builds them).
std::filesystem::path fixture_folder(const std::string& scenario);

// `text` with <FIXTURES>, <BUILD_ID>, <VERSION> and each extra (value, placeholder) substituted.
std::string with_placeholders(std::string text, const std::vector<std::pair<std::string, std::string>>& extra = {});

// tests/plugins/golden/<name> from the source tree.
std::string golden(const std::string& name);

}  // namespace thermo::testing
