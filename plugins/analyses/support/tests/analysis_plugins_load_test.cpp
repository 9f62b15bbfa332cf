// The five analysis plugins of SPEC §7 load as the engine loads them: dlopen with RTLD_NOW (every
// symbol resolves), the `thermo_plugin_entry` alias with this build's ABI version and build id, and
// describe() giving an analysis plugin of the library's name whose schema has defaults throughout
// and creates an Analysis.
#include "analysis_test_support.hpp"
#include "test_support.hpp"

#include <thermo/plugin.hpp>

#include <doctest/doctest.h>
#include <boost/dll/shared_library.hpp>

#include <cstring>

TEST_CASE("the analysis plugins load and describe themselves") {
  const std::filesystem::path dir = thermo::testing::plugin_path();
  REQUIRE_FALSE(dir.empty());
  for (const std::string name : {"stationary", "temperature", "free_energy", "temperature_decay", "gradient_phase"}) {
    CAPTURE(name);
    const auto file = dir / ("libthermo-analysis-" + name + ".so");
    boost::dll::fs::error_code error;
    boost::dll::shared_library library;
    library.load(file, error, boost::dll::load_mode::rtld_now);
    REQUIRE_MESSAGE(!error, error.message());
    const auto& entry = library.get_alias<const thermo::PluginEntry>("thermo_plugin_entry");
    CHECK(entry.abi_version == thermo::kPluginAbiVersion);
    CHECK(std::strcmp(entry.build_id, THERMO_BUILD_ID) == 0);
    const thermo::Plugin* plugin = entry.describe();
    REQUIRE(plugin != nullptr);
    CHECK(plugin->kind() == thermo::PluginKind::analysis);
    CHECK(plugin->name() == name);
    CHECK_FALSE(plugin->summary().empty());
    const auto* analysis_plugin = dynamic_cast<const thermo::AnalysisPlugin*>(plugin);
    REQUIRE(analysis_plugin != nullptr);
    const auto params = thermo::analysis_test::params_with_defaults(analysis_plugin->schema());
    CHECK(analysis_plugin->create(params) != nullptr);
  }
}
