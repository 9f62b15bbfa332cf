// The uniform_reference analysis on an experiment built in memory, whose runs build least-squares
// models on the cpu backend: grouping by model (overrides applied), uniform.json, the `uniform`
// entry added to summary.json, the entropy of the seeded stream and the loss of random weights.
#include "../uniform_reference.hpp"
#include "least_squares_model.hpp"
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/rng.hpp>
#include <thermo/uniform_sphere.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <numeric>

namespace {
using thermo::testing::LeastSquaresProblem;
using thermo::testing::LeastSquaresResources;

thermo::Backend& backend() {
  static auto instance = thermo::testing::make_backend("cpu");
  return *instance;
}

LeastSquaresProblem problem_of_dimension(std::size_t dimension) {
  thermo::Rng rng(dimension, "problem");
  LeastSquaresProblem problem;
  for (int j = 0; j < 5; ++j) {
    std::vector<double> row(dimension);
    for (auto& value : row) value = rng.normal();
    problem.a.push_back(row);
    problem.b.push_back(rng.normal());
  }
  return problem;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

struct Fixture {
  std::filesystem::path root = thermo::testing::scratch_dir("uniform_reference");
  thermo::Experiment experiment;
  bool with_data = true;
  std::vector<std::string> built;  // labels of the runs whose model was built

  Fixture() {
    experiment.dir = root;
    experiment.is_sweep = true;
    experiment.config = {{"seed", 5},
                         {"model", {{"plugin", "least_squares"}, {"dimension", 3}}},
                         {"dataset", {{"plugin", "table"}}},
                         {"optimizer", {{"plugin", "sphere_sgd"}, {"elr", 0.1}}}};
    const std::vector<std::pair<std::string, nlohmann::json>> points{{"000-elr0.1", nlohmann::json::object()},
                                                                     {"001-elr0.2", {{"optimizer.elr", 0.2}}},
                                                                     {"002-wide", {{"model.dimension", 6}}}};
    for (std::size_t index = 0; index < points.size(); ++index) {
      thermo::RunRecord run;
      run.index = index;
      run.label = points[index].first;
      run.dir = root / "runs" / run.label;
      run.overrides = points[index].second;
      run.status = "completed";
      std::filesystem::create_directories(run.dir);
      if (index < 2) {
        thermo::testing::write_file(run.dir / "summary.json",
                                    nlohmann::json{{"status", "completed"}, {"final", {{"train_loss", 0.5}}}}.dump());
      }
      experiment.runs.push_back(run);
    }
  }

  thermo::AnalysisContext context() {
    thermo::AnalysisContext analysis;
    analysis.experiment = &experiment;
    analysis.analysis_dir = root / "analysis";
    analysis.build_model = [this](const thermo::RunRecord& run) -> std::unique_ptr<thermo::ModelResources> {
      built.push_back(run.label);
      const auto dimension = run.overrides.contains("model.dimension")
                                 ? run.overrides["model.dimension"].get<std::size_t>()
                                 : std::size_t{3};
      return std::make_unique<LeastSquaresResources>(backend(), problem_of_dimension(dimension), thermo::DType::f64,
                                                     std::vector<double>(dimension, 0.0), 2.0, with_data);
    };
    return analysis;
  }
};

thermo::uniform_reference::Settings small_settings() {
  thermo::uniform_reference::Settings settings;
  settings.points = 60;
  settings.repeats = 3;
  settings.ks = {1, 5};
  settings.loss_samples = 400;
  settings.chunk = 2;  // 5 samples: chunks of 2, 2, 1
  return settings;
}
}  // namespace

TEST_CASE("uniform_reference: one entry per model, uniform.json and summary.json") {
  Fixture fixture;
  thermo::uniform_reference::UniformReferenceAnalysis analysis(small_settings());
  analysis.run(fixture.context());
  CHECK(fixture.built == std::vector<std::string>{"000-elr0.1", "002-wide"});  // the LR does not change the model

  const auto document = read_json(fixture.root / "analysis" / "uniform.json");
  REQUIRE(document.is_array());
  REQUIRE(document.size() == 2);
  CHECK(document[0]["runs"] == nlohmann::json::array({"000-elr0.1", "001-elr0.2"}));
  CHECK(document[0]["dimension"] == 3);
  CHECK(document[0]["model"]["dimension"] == 3);
  CHECK(document[1]["runs"] == nlohmann::json::array({"002-wide"}));
  CHECK(document[1]["dimension"] == 6);
  CHECK(document[1]["model"]["dimension"] == 6);  // the override applied

  // The entropy is the SDK's, from the stream Rng(seed, "uniform_reference") of the pipeline's seed.
  for (std::size_t group = 0; group < 2; ++group) {
    const std::int64_t dimension = group == 0 ? 3 : 6;
    thermo::Rng rng(5, "uniform_reference");
    const std::vector<std::int64_t> ks{1, 5};
    const auto expected =
        thermo::uniform_sphere_entropy(60, dimension, ks, 3, thermo::UniformSphereMethod::wishart, rng);
    CHECK(document[group]["entropy"]["1"].get<double>() == expected.mean[0]);
    CHECK(document[group]["entropy"]["5"].get<double>() == expected.mean[1]);
    CHECK(document[group]["entropy_std"]["5"].get<double>() == expected.std_dev[1]);

    // Loss of w uniform on the sphere of radius p: E[w] = 0, E[w·wᵀ] = p²/D·I, so
    // E[½(a_j·w − b_j)²] = ½(p²‖a_j‖²/D + b_j²). The mean of 400 draws is within 5 standard errors.
    const auto problem = problem_of_dimension(static_cast<std::size_t>(dimension));
    double expected_loss = 0.0;
    for (std::size_t j = 0; j < 5; ++j) {
      const double a_squared = std::inner_product(problem.a[j].begin(), problem.a[j].end(), problem.a[j].begin(), 0.0);
      expected_loss += 0.5 * (4.0 * a_squared / static_cast<double>(dimension) + problem.b[j] * problem.b[j]) / 5.0;
    }
    const double loss = document[group]["loss"].get<double>();
    const double loss_std = document[group]["loss_std"].get<double>();
    CAPTURE(group);
    CHECK(loss_std > 0.0);
    CHECK(std::abs(loss - expected_loss) < 5.0 * loss_std / std::sqrt(400.0));
  }

  const auto summary = read_json(fixture.root / "runs" / "001-elr0.2" / "summary.json");
  CHECK(summary["status"] == "completed");
  CHECK(summary["final"]["train_loss"] == 0.5);
  CHECK(summary["uniform"] == document[0]);
  CHECK(!std::filesystem::exists(fixture.root / "runs" / "002-wide" / "summary.json"));
}

TEST_CASE("uniform_reference: the loss is the mean over the training set of the drawn weight vectors") {
  // Replays the analysis' stream after the entropy repeats: D normals per vector, rescaled to p = 2.
  LeastSquaresResources resources(backend(), problem_of_dimension(4), thermo::DType::f64, std::vector<double>(4, 0.0),
                                  2.0);
  thermo::Rng rng(8, "loss");
  const auto reference = thermo::uniform_reference::uniform_loss(resources, 3, 2, rng);
  thermo::Rng replay(8, "loss");
  const auto problem = problem_of_dimension(4);
  std::vector<double> losses;
  for (int s = 0; s < 3; ++s) {
    std::vector<double> w(4);
    double squared = 0.0;
    for (auto& value : w) {
      value = replay.normal();
      squared += value * value;
    }
    for (auto& value : w) value *= 2.0 / std::sqrt(squared);
    double sum = 0.0;
    for (std::size_t j = 0; j < 5; ++j) sum += problem.sample_loss(j, w);
    losses.push_back(sum / 5.0);
  }
  const double mean = (losses[0] + losses[1] + losses[2]) / 3.0;
  double variance = 0.0;
  for (double value : losses) variance += (value - mean) * (value - mean) / 3.0;
  CHECK(reference.mean == doctest::Approx(mean).epsilon(1e-13));
  CHECK(reference.std_dev == doctest::Approx(std::sqrt(variance)).epsilon(1e-10));
  auto& model = static_cast<thermo::testing::LeastSquaresModel&>(resources.model());
  CHECK(model.other_passes == 3 * 3);  // three chunks (2, 2, 1) per vector, no gradients
  const auto head = thermo::testing::download_values(backend(), resources.model().parameters());
  CHECK(head.back() == 0.75);  // the frozen head is untouched
}

TEST_CASE("uniform_reference: without a data set the loss is null; without an experiment it refuses") {
  Fixture fixture;
  fixture.with_data = false;
  thermo::uniform_reference::UniformReferenceAnalysis analysis(small_settings());
  analysis.run(fixture.context());
  const auto document = read_json(fixture.root / "analysis" / "uniform.json");
  CHECK(document[0]["loss"].is_null());
  CHECK(document[0]["loss_std"].is_null());
  CHECK(document[0]["entropy"]["1"].is_number());

  thermo::AnalysisContext table_only;
  table_only.analysis_dir = fixture.root / "analysis";
  CHECK_THROWS_AS(analysis.run(table_only), thermo::UserError);
  auto no_builder = fixture.context();
  no_builder.build_model = nullptr;
  CHECK_THROWS_AS(analysis.run(no_builder), thermo::UserError);
}

TEST_CASE("uniform_reference plugin: schema") {
  const auto& plugin =
      thermo::testing::load_plugin<thermo::AnalysisPlugin>(thermo::PluginKind::analysis, "uniform_reference");
  const auto schema = plugin.schema();
  REQUIRE(schema.find("method") != nullptr);
  CHECK(schema.find("method")->choices == std::vector<std::string>{"wishart", "direct"});
  CHECK(std::get<std::string>(*schema.find("method")->default_value) == "wishart");
  CHECK(std::get<std::int64_t>(*schema.find("points")->default_value) == 1000);
  CHECK(std::get<std::int64_t>(*schema.find("repeats")->default_value) == 10);
  CHECK(std::get<std::int64_t>(*schema.find("loss_samples")->default_value) == 100);
  CHECK(std::get<std::int64_t>(*schema.find("chunk")->default_value) == 1024);
  CHECK(plugin.create(thermo::testing::params_with(schema)) != nullptr);
  CHECK_THROWS_AS((void)plugin.create(thermo::testing::params_with(schema, {{"ks", std::vector<std::int64_t>{3, 3}}})),
                  thermo::UserError);
}
