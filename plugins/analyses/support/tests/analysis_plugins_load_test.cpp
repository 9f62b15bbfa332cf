// The five analysis plugins of docs/method.md §7 load through the engine's registry (ABI version and build
// id checked, every symbol resolved) and describe themselves: an analysis plugin of the library's
// name whose schema has defaults throughout and creates an Analysis.
#include "plugins_for_tests.hpp"

#include <thermo/plugin.hpp>

#include <doctest/doctest.h>

TEST_CASE("the analysis plugins load and describe themselves") {
  for (const std::string name : {"stationary", "temperature", "free_energy", "temperature_decay", "gradient_phase"}) {
    CAPTURE(name);
    const auto& plugin = thermo::testing::load_plugin<thermo::AnalysisPlugin>(thermo::PluginKind::analysis, name);
    CHECK(plugin.kind() == thermo::PluginKind::analysis);
    CHECK(plugin.name() == name);
    CHECK_FALSE(plugin.summary().empty());
    CHECK(plugin.create(thermo::testing::params_with(plugin.schema())) != nullptr);
  }
}
