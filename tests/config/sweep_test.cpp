// Sweeps: generators against NumPy bit for bit, the Cartesian product, labels, point pipelines.
#include "config/scalar_syntax.hpp"
#include "config/sweep_generators.hpp"
#include "config_test_support.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cstdlib>
#include <map>
#include <sstream>

using thermo::engine::Pipeline;
using thermo::engine::SweepAxis;
using thermo::testing::load_text;

namespace {

const char* const kHead = "thermo: 1\nname: sweep\nmodel: {plugin: convnet}\noptimizer: {plugin: sphere_sgd}\n";

// The generators of each case as the sweep writes them, and the same in NumPy.
struct GeneratorCase {
  const char* name;
  const char* yaml;
  const char* numpy;
};

const GeneratorCase kCases[] = {
    {"paper_lrs",
     "[{logspace: {start: -4, stop: -3, num: 5, drop_last: true, significant_digits: 7}},"
     " {logspace: {start: -3, stop: -2, num: 15, drop_last: true, significant_digits: 7}},"
     " {logspace: {start: -2, stop: -1, num: 4, significant_digits: 7}}]",
     "[float(f'{x:.7g}') for x in np.concatenate([np.logspace(-4,-3,5)[:-1], np.logspace(-3,-2,15)[:-1],"
     " np.logspace(-2,-1,4)])]"},
    {"toy_lrs",
     "[{logspace: {start: -3, stop: 0, num: 32, drop_last: true}}, {geomspace: {start: 1, stop: 2.5, num: 33,"
     " drop_last: true}}, {geomspace: {start: 2.5, stop: 10, num: 17}}]",
     "np.concatenate([np.logspace(-3,0,32)[:-1], np.geomspace(1,2.5,33)[:-1], np.geomspace(2.5,10,17)])"},
    {"linspace", "{linspace: {start: -1.3, stop: 7.9, num: 17}}", "np.linspace(-1.3, 7.9, 17)"},
    {"linspace_open", "{linspace: {start: 0.1, stop: 0.7, num: 9, endpoint: false}}",
     "np.linspace(0.1, 0.7, 9, endpoint=False)"},
    {"linspace_one", "{linspace: {start: 3.5, stop: 9, num: 1}}", "np.linspace(3.5, 9, 1)"},
    {"linspace_flat", "{linspace: {start: 2, stop: 2, num: 4}}", "np.linspace(2.0, 2.0, 4)"},
    {"linspace_denormal", "{linspace: {start: 1e-310, stop: 5e-310, num: 5}}", "np.linspace(1e-310, 5e-310, 5)"},
    {"logspace_base2", "{logspace: {start: 0.5, stop: 10.25, num: 11, base: 2}}",
     "np.logspace(0.5, 10.25, 11, base=2.0)"},
    {"logspace_open", "{logspace: {start: -6, stop: 1, num: 23, endpoint: false}}",
     "np.logspace(-6, 1, 23, endpoint=False)"},
    {"geomspace_negative", "{geomspace: {start: -1000, stop: -0.001, num: 13}}", "np.geomspace(-1000, -0.001, 13)"},
    {"geomspace_open", "{geomspace: {start: 3, stop: 300, num: 7, endpoint: false}}",
     "np.geomspace(3, 300, 7, endpoint=False)"},
    {"rounded_3", "{linspace: {start: 0, stop: 1, num: 7, significant_digits: 3}}",
     "[float(f'{x:.3g}') for x in np.linspace(0, 1, 7)]"},
};

std::vector<double> sweep_values(const std::string& generators) {
  // description takes any scalar: the values are not range-checked against a parameter.
  const Pipeline pipeline = load_text("thermo: 1\nname: grid\nsweep:\n  description: " + generators + "\n");
  std::vector<double> values;
  for (const auto& text : pipeline.sweep.at(0).values_yaml)
    values.push_back(thermo::engine::parse_real_text(text).value());
  return values;
}

// Runs NumPy on every case; empty when /usr/bin/python3 with numpy is not available. NumPy's
// AVX-512 kernels (SVML) for pow and log10 differ from libm by an ulp; the portable kernels are
// the reference, so they are forced.
std::map<std::string, std::vector<double>> numpy_values() {
  std::map<std::string, std::vector<double>> result;
  if (!std::filesystem::exists("/usr/bin/python3")) return result;
  std::string script = "import numpy as np\n";
  for (const auto& item : kCases) {
    script += std::string("print('") + item.name + "', *[float(x).hex() for x in " + item.numpy + "])\n";
  }
  const auto file = thermo::testing::scratch_dir("numpy") / "spaces.py";
  thermo::testing::write_file(file, script);
  const auto run = thermo::testing::run_command(
      "NPY_DISABLE_CPU_FEATURES='AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL "
      "AVX512_ICL' /usr/bin/python3 '" +
      file.string() + "'");
  if (run.exit_code != 0) return result;
  std::istringstream lines(run.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name, word;
    words >> name;
    auto& values = result[name];
    while (words >> word) values.push_back(std::strtod(word.c_str(), nullptr));
  }
  return result;
}

Pipeline pipeline_with_axes(const std::vector<SweepAxis>& axes) {
  Pipeline pipeline;
  pipeline.sweep = axes;
  return pipeline;
}

}  // namespace

TEST_CASE("sweep generators equal NumPy bit for bit") {
  const auto reference = numpy_values();
  if (reference.empty()) {
    MESSAGE("skipped: /usr/bin/python3 with numpy is not available");
    return;
  }
  for (const auto& item : kCases) {
    const std::string name = item.name;
    CAPTURE(name);
    REQUIRE(reference.count(item.name) == 1);
    const auto& expected = reference.at(item.name);
    const auto actual = sweep_values(item.yaml);
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      CAPTURE(i);
      CHECK(std::bit_cast<std::uint64_t>(actual[i]) == std::bit_cast<std::uint64_t>(expected[i]));
    }
  }
}

TEST_CASE("the paper's and the toy's grids have their sizes and ends") {
  const auto paper = sweep_values(kCases[0].yaml);
  REQUIRE(paper.size() == 22);
  CHECK(paper.front() == 1e-4);
  CHECK(paper[1] == 0.0001778279);
  CHECK(paper.back() == 0.1);
  const auto toy = sweep_values(kCases[1].yaml);
  REQUIRE(toy.size() == 80);
  CHECK(toy.front() == 1e-3);
  CHECK(toy[31] == 1.0);
  CHECK(toy[63] == 2.5);
  CHECK(toy.back() == 10.0);
}

TEST_CASE("round_significant matches Python's float(f'{x:.Ng}')") {
  CHECK(thermo::engine::round_significant(0.00017782794100389227, 7) == 0.0001778279);
  CHECK(thermo::engine::round_significant(123456.5, 6) == 123456.0);  // ties to even, like Python
  CHECK(thermo::engine::round_significant(2.5e-7, 1) == 2e-7);
  CHECK(thermo::engine::round_significant(-0.0, 3) == 0.0);
}

TEST_CASE("points are the Cartesian product, the last axis fastest, with labels") {
  const auto points = thermo::engine::expand_sweep(
      pipeline_with_axes({{"optimizer.elr", {"0.001", "1e-2"}, {}}, {"train.seed", {"1", "2", "3"}, {}}}));
  REQUIRE(points.size() == 6);
  CHECK(points[0].label == "000-elr0.001-seed1");
  CHECK(points[1].label == "001-elr0.001-seed2");
  CHECK(points[3].label == "003-elr0.01-seed1");
  CHECK(points[5].index == 5);
  REQUIRE(points[4].overrides.size() == 2);
  CHECK(points[4].overrides[0].key == "optimizer.elr");
  CHECK(points[4].overrides[0].value_yaml == "1e-2");
  CHECK(points[4].overrides[0].origin == "sweep");
  CHECK(points[4].overrides[1].value_yaml == "2");
}

TEST_CASE("labels widen past 1000 points and keep only file-name characters") {
  std::vector<std::string> many;
  for (int i = 0; i < 1001; ++i) many.push_back(std::to_string(i));
  const auto wide = thermo::engine::expand_sweep(pipeline_with_axes({{"train.seed", many, {}}}));
  CHECK(wide.front().label == "0000-seed0");
  CHECK(wide.back().label == "1000-seed1000");
  std::vector<std::string> thousand(many.begin(), many.begin() + 1000);
  CHECK(thermo::engine::expand_sweep(pipeline_with_axes({{"train.seed", thousand, {}}})).back().label == "999-seed999");

  const auto odd = thermo::engine::expand_sweep(
      pipeline_with_axes({{"description", {"\"a b/c\"", "{plugin: x, k: 1}", ".inf", "-0.5", "010"}, {}}}));
  CHECK(odd[0].label == "000-descriptiona_b_c");
  CHECK(odd[1].label == "001-description_plugin_x_k_1_");
  CHECK(odd[2].label == "002-description.inf");
  CHECK(odd[3].label == "003-description-0.5");
  CHECK(odd[4].label == "004-description010");
  CHECK(thermo::engine::expand_sweep(Pipeline{}).empty());
}

TEST_CASE("a point pipeline applies its coordinates and drops the sweep") {
  const std::string text = std::string(kHead) +
                           "sweep:\n  optimizer.elr: {logspace: {start: -3, stop: -1, num: 3}}\n  train.seed: [4, 5]\n"
                           "train: {iters: 10}\n";
  const auto file = thermo::testing::write_pipeline(text);
  thermo::testing::FixedSchemas schemas;
  const auto pipeline = thermo::engine::load_pipeline(file, {}, schemas);
  REQUIRE(pipeline.sweep.size() == 2);
  CHECK(pipeline.sweep[0].values_yaml == std::vector<std::string>{"0.001", "0.01", "0.1"});
  CHECK(pipeline.sweep[0].location.line == 6);
  // The document has no elr: it validates with the axis's first value.
  CHECK(pipeline.optimizer->params.get_real("elr") == 0.001);

  const auto points = thermo::engine::expand_sweep(pipeline);
  REQUIRE(points.size() == 6);
  CHECK(points[3].label == "003-elr0.01-seed5");
  const auto point = thermo::engine::load_point_pipeline(file, thermo::testing::overrides_of({"model.channels=4"}),
                                                         points[3], schemas);
  CHECK(point.sweep.empty());
  CHECK(point.optimizer->params.get_real("elr") == 0.01);
  CHECK(point.train->seed == 5);
  CHECK(point.model->params.get_int("channels") == 4);
  CHECK(point.resolved["sweep"].is_null());
  CHECK(point.resolved_yaml.find("sweep: null\n") != std::string::npos);
}

TEST_CASE("a sweep axis can be added from the command line") {
  const auto pipeline =
      load_text("thermo: 1\nname: x\noptimizer: {plugin: sphere_sgd, elr: 1}\n", {"sweep.optimizer.radius=[1, 2]"});
  REQUIRE(pipeline.sweep.size() == 1);
  CHECK(pipeline.sweep[0].key == "optimizer.radius");
}
