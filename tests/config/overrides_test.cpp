// Command-line overrides: parsing key=value, and their effect on the loaded pipeline.
#include "config/overrides.hpp"
#include "config_test_support.hpp"

#include <doctest/doctest.h>

using thermo::testing::load_text;
using thermo::testing::text_errors;

namespace {
const char* const kBase = R"(thermo: 1
name: base
model: {plugin: convnet}
optimizer: {plugin: sphere_sgd, elr: 0.1}
estimators: [{plugin: knn_entropy}, {plugin: projections}]
)";
}  // namespace

TEST_CASE("parse_override splits at the first '='") {
  const auto override_value = thermo::engine::parse_override("optimizer={plugin: x, note: a=b}");
  CHECK(override_value.key == "optimizer");
  CHECK(override_value.value_yaml == "{plugin: x, note: a=b}");
  CHECK(override_value.origin == "command line");
  CHECK(thermo::engine::parse_override("sweep=").value_yaml.empty());
}

TEST_CASE("parse_override refuses arguments that are not key=value") {
  for (const std::string argument : {"optimizer.elr", "=0.1", "a..b=1", ".a=1", "a.=1"}) {
    CAPTURE(argument);
    try {
      (void)thermo::engine::parse_override(argument);
      FAIL("accepted");
    } catch (const thermo::UserError& error) {
      CHECK(std::string(error.what()).find("'" + argument + "' is not an override") != std::string::npos);
    }
  }
}

TEST_CASE("split_key keeps the key of a sweep axis whole") {
  using V = std::vector<std::string>;
  CHECK(thermo::engine::split_key("estimators.0.ks") == V{"estimators", "0", "ks"});
  CHECK(thermo::engine::split_key("sweep.optimizer.elr") == V{"sweep", "optimizer.elr"});
  CHECK(thermo::engine::split_key("name") == V{"name"});
}

TEST_CASE("overrides replace values, index lists and take YAML values") {
  const auto pipeline = load_text(kBase, {"estimators.0.queue=5", "estimators.0.ks=[1, 2]", "model.channels=64",
                                          "optimizer={plugin: sphere_sgd, elr: 0.25, geodesic: true}", "seed=9"});
  CHECK(pipeline.estimators.at(0).params.get_int("queue") == 5);
  CHECK(pipeline.estimators.at(0).params.get_int_list("ks") == std::vector<std::int64_t>{1, 2});
  CHECK(pipeline.model->params.get_int("channels") == 64);
  CHECK(pipeline.optimizer->params.get_real("elr") == 0.25);
  CHECK(pipeline.optimizer->params.get_bool("geodesic"));
  CHECK(pipeline.seed == 9);
}

TEST_CASE("overrides create maps under null or missing keys and remove sections with null") {
  const std::string text = std::string(kBase) + "train: null\n";
  const auto pipeline = load_text(text, {"train.iters=7", "train.log={every: 10}", "estimators=[]", "model=null",
                                         "optimizer=null", "train=null", "report.plugin=html"});
  CHECK_FALSE(pipeline.train.has_value());
  CHECK(pipeline.estimators.empty());
  CHECK_FALSE(pipeline.model.has_value());
  REQUIRE(pipeline.report.has_value());
  CHECK(pipeline.report->params.get_string("title") == "thermo");

  const auto trained = load_text(text, {"train.iters=7", "train.log={every: 10}"});
  REQUIRE(trained.train.has_value());
  CHECK(trained.train->iterations == 7);
  CHECK(trained.train->log.kind == thermo::engine::ScheduleSpec::Kind::every);
  CHECK(trained.train->log.every == 10);
}

TEST_CASE("later overrides win over earlier ones") {
  CHECK(load_text(kBase, {"seed=3", "seed=4"}).seed == 4);
}

TEST_CASE("errors caused by an override point into the argument") {
  CHECK(text_errors(kBase, {"seed=1", "optimizer.elr=abc"}) ==
        "command line:2:15: error: optimizer.elr: expected real > 0, got \"abc\"\n");
  CHECK(text_errors(kBase, {"optimizer.lr=0.1"}) ==
        "command line:1:11: error: optimizer: unknown key 'lr' (did you mean 'elr'?)\n");
  CHECK(text_errors(kBase, {"estimators.x.queue=1"}) ==
        "command line:1:12: error: estimators: 'estimators' is a list; 'x' is not an index into it\n");
}

TEST_CASE("a relative path given on the command line is relative to the current folder") {
  const auto pipeline = load_text(kBase, {"dataset={plugin: cifar10, path: some/data}"});
  CHECK(pipeline.dataset->params.get_string("path") == (std::filesystem::current_path() / "some/data").string());
  const auto in_file = load_text(std::string(kBase) + "dataset: {plugin: cifar10, path: ./some/../data}\n");
  CHECK(std::filesystem::path(in_file.dataset->params.get_string("path")).filename() == "data");
  CHECK(std::filesystem::path(in_file.dataset->params.get_string("path")).parent_path() ==
        std::filesystem::path(in_file.file).parent_path());
}
