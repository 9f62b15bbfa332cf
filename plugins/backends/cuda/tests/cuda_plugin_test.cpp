// The cuda plugin through the engine's registry, as `thermo` loads it: its settings, and what a
// machine without a usable device sees (the driver's message; `auto` takes another backend; an
// explicit `cuda` is a UserError). With a device, the backend it creates and what it fuses. Op
// correctness on a device is the conformance suite's (tests/backends).
#include "plugins_for_tests.hpp"
#include "registry/create_backend.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>

using namespace thermo;

TEST_CASE("cuda plugin: settings, and the reason it gives when no device answers") {
  const auto& plugin = testing::load_plugin<BackendPlugin>(PluginKind::backend, "cuda");
  const ParamSchema schema = plugin.schema();
  const Params defaults = schema.defaults();
  CHECK(defaults.get_int("device") == 0);
  CHECK(defaults.get_bool("deterministic"));
  CHECK_FALSE(defaults.get_bool("tf32"));
  CHECK(schema.find("threads") == nullptr);  // the run's CPU threads are not the GPU's business
  CHECK(plugin.auto_score() > testing::load_plugin<BackendPlugin>(PluginKind::backend, "cpu").auto_score());

  const std::string reason = plugin.unavailable_reason();
  if (!reason.empty()) {
    MESSAGE("cuda unavailable on this machine: " << reason);
    CHECK(reason.find("CUDA") != std::string::npos);
    CHECK(engine::resolve_backend_name(testing::test_registry(), "auto") != "cuda");
    CHECK_THROWS_WITH_AS((void)testing::make_backend("cuda", 0), doctest::Contains("backend cuda unavailable: "),
                         UserError);
    return;
  }
  CHECK(engine::resolve_backend_name(testing::test_registry(), "auto") == "cuda");
  auto backend = testing::make_backend("cuda", 0);
  MESSAGE("cuda: " << backend->description());
  CHECK(backend->name() == "cuda");
  CHECK(backend->threads() == 0);
  CHECK(backend->supports(BatchNormSpec{8, 1e-5, 0.1, true}));
  BatchNormSpec pooled{8, 1e-5, 0.1, true};
  pooled.fused_max_pool = 2;
  CHECK_FALSE(backend->supports(pooled));
  const Params missing({{"device", std::int64_t{4096}}, {"deterministic", true}, {"tf32", false}});
  CHECK_THROWS_WITH_AS((void)plugin.create(missing), doctest::Contains("device 4096 does not exist"), UserError);
}
