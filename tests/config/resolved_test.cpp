// The resolved pipeline: defaults filled into Pipeline and into resolved_yaml / resolved, and
// resolved_yaml reproduces the same pipeline when loaded again.
#include "config_test_support.hpp"

#include <doctest/doctest.h>

namespace fs = std::filesystem;

TEST_CASE("a minimal pipeline gets every engine default") {
  const auto pipeline = thermo::testing::load_text("thermo: 1\nname: minimal\n");
  CHECK(pipeline.name == "minimal");
  CHECK(pipeline.description.empty());
  CHECK(pipeline.backend == "auto");
  CHECK(pipeline.threads == 0);
  CHECK(pipeline.seed == 1);
  CHECK_FALSE(pipeline.dataset.has_value());
  CHECK_FALSE(pipeline.model.has_value());
  CHECK_FALSE(pipeline.loss.has_value());
  CHECK_FALSE(pipeline.optimizer.has_value());
  CHECK_FALSE(pipeline.train.has_value());
  CHECK(pipeline.estimators.empty());
  CHECK(pipeline.sweep.empty());
  CHECK(pipeline.executor.jobs == 1);
  CHECK_FALSE(pipeline.executor.in_process);
  CHECK(pipeline.analysis.empty());
  CHECK_FALSE(pipeline.report.has_value());
}

TEST_CASE("plugin sections get their defaults, locations and key paths") {
  const auto pipeline = thermo::testing::load_text(
      "thermo: 1\nname: p\nloss: mse\nmodel:\n  plugin: convnet\n  channels: 16\n"
      "estimators:\n  - {plugin: knn_entropy}\n  - {plugin: projections, label: ~}\n");
  REQUIRE(pipeline.model.has_value());
  CHECK(pipeline.model->plugin == "convnet");
  CHECK(pipeline.model->key_path == "model");
  CHECK(pipeline.model->location.line == 5);
  CHECK(pipeline.model->location.column == 3);
  CHECK(pipeline.model->params.get_int("channels") == 16);
  CHECK(pipeline.model->params.get_real("last_layer_norm") == 10.0);
  CHECK(pipeline.model->params.values().size() == 4);
  CHECK(pipeline.loss == thermo::LossKind::mse);
  REQUIRE(pipeline.estimators.size() == 2);
  CHECK(pipeline.estimators[1].key_path == "estimators.1");
  CHECK(pipeline.estimators[0].params.get_int_list("ks") == std::vector<std::int64_t>{50});
  CHECK(pipeline.estimators[1].params.is_null("label"));
  CHECK(pipeline.estimators[1].params.get_real_matrix("vectors").size() == 2);
}

TEST_CASE("resolved JSON keeps the value types") {
  const auto pipeline = thermo::testing::load_text(
      "thermo: 1\nname: j\nmodel: {plugin: convnet, last_layer_norm: 3}\noptimizer: {plugin: sphere_sgd, elr: 1e-3}\n");
  const auto& resolved = pipeline.resolved;
  CHECK(resolved["thermo"] == 1);
  CHECK(resolved["model"]["channels"].is_number_integer());
  CHECK(resolved["model"]["last_layer_norm"].is_number_float());
  CHECK(resolved["model"]["last_layer_norm"] == 3.0);
  CHECK(resolved["optimizer"]["elr"] == 1e-3);
  CHECK(resolved["optimizer"]["geodesic"] == false);
  CHECK(resolved["dataset"].is_null());
  CHECK(resolved["estimators"].is_array());
  CHECK(resolved["executor"]["jobs"] == 1);
}

TEST_CASE("resolved YAML loads back to the same pipeline") {
  const fs::path golden = thermo::testing::source_dir() / "tests" / "config" / "golden";
  ::setenv("THERMO_GOLDEN_WIDTH", "16", 1);
  for (const char* name : {"full.yaml", "minimal.yaml", "sweep_resolved.yaml", "sweep_fill.yaml"}) {
    CAPTURE(name);
    thermo::testing::FixedSchemas schemas;
    const auto first = thermo::engine::load_pipeline(golden / name, {}, schemas);
    const auto copy = thermo::testing::write_pipeline(first.resolved_yaml, "config.yaml");
    const auto second = thermo::engine::load_pipeline(copy, {}, schemas);
    CHECK(second.resolved == first.resolved);
    CHECK(second.resolved_yaml == first.resolved_yaml);
  }
  ::unsetenv("THERMO_GOLDEN_WIDTH");
}
