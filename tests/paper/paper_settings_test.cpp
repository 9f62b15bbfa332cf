// Every pipeline of pipelines/ against the table "Paper settings" of docs/method.md, read through
// the configuration loader as `thermo run` reads it: model and width, iterations, the LR grid
// (count, first, last), the stationary window and end point, the temperature range and eps, and the
// temperature decay; the learning rates each figure draws (report and free-energy indices); the
// subset studies' gradient-phase settings. A pipeline missing from the tables, or a table row
// without its pipeline, fails too.
#include "config/load_pipeline.hpp"
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using thermo::engine::Pipeline;
using thermo::engine::PluginSection;

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  const auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// The cells of a Markdown table row "| a | b |".
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|') {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

// The rows of the table whose header row starts with `header`, as column name -> cell.
std::vector<std::map<std::string, std::string>> table_rows(const std::string& text, const std::string& header) {
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> columns;
  std::vector<std::map<std::string, std::string>> rows;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (!inside) {
      if (line.rfind(header, 0) == 0) {
        columns = cells_of(line);
        inside = true;
        std::getline(lines, line);  // the | --- | row
      }
      continue;
    }
    if (line.rfind("|", 0) != 0) break;
    const auto cells = cells_of(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < columns.size() && i < cells.size(); ++i) row[columns[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

// `name` of "`name`" (a pipeline cell may list several: "`a`, `b`").
std::vector<std::string> pipeline_names(const std::string& cell) {
  std::vector<std::string> names;
  std::size_t position = 0;
  while ((position = cell.find('`', position)) != std::string::npos) {
    const auto end = cell.find('`', position + 1);
    names.push_back(cell.substr(position + 1, end - position - 1));
    position = end + 1;
  }
  return names;
}

Pipeline load(const std::string& name) {
  const auto file = thermo::testing::source_dir() / "pipelines" / (name + ".yaml");
  REQUIRE(fs::exists(file));
  return thermo::engine::load_pipeline(file, {}, thermo::testing::test_registry());
}

const PluginSection* analysis(const Pipeline& pipeline, const std::string& plugin) {
  for (const auto& section : pipeline.analysis) {
    if (section.plugin == plugin) return &section;
  }
  return nullptr;
}

std::vector<double> learning_rates(const Pipeline& pipeline) {
  std::vector<double> rates;
  for (const auto& axis : pipeline.sweep) {
    if (axis.key != "optimizer.elr") continue;
    for (const auto& value : axis.values_yaml) rates.push_back(std::stod(value));
  }
  return rates;
}

void check_number(const std::string& cell, double actual) {
  CAPTURE(cell);
  CHECK(actual == doctest::Approx(std::stod(cell)).epsilon(1e-12));
}

std::string optional_integer(const thermo::Params& params, const std::string& name) {
  return params.is_null(name) ? std::string("—") : std::to_string(params.get_int(name));
}

std::string number_text(double value) {
  return fmt::format("{}", value);
}

// "a, b, c" for an integer list, "—" for null (the tables' notation).
std::string optional_list(const thermo::Params& params, const std::string& name) {
  return params.is_null(name) ? std::string("—") : fmt::format("{}", fmt::join(params.get_int_list(name), ", "));
}

const std::string& method_text() {
  static const std::string text = thermo::testing::read_file(thermo::testing::source_dir() / "docs" / "method.md");
  return text;
}

}  // namespace

TEST_CASE("every pipeline of the paper's settings matches docs/method.md's table") {
  const auto rows = table_rows(method_text(), "| pipeline | model | iterations | LRs |");
  REQUIRE(rows.size() >= 10);
  for (const auto& row : rows) {
    const std::string name = pipeline_names(row.at("pipeline")).at(0);
    CAPTURE(name);
    const Pipeline pipeline = load(name);
    CHECK(pipeline.name == name);
    CHECK(fmt::format("{} {}", pipeline.model->plugin, pipeline.model->params.get_int("channels")) == row.at("model"));
    CHECK(std::to_string(pipeline.train->iterations) == row.at("iterations"));

    const auto rates = learning_rates(pipeline);
    CHECK(std::to_string(rates.size()) == row.at("LRs"));
    REQUIRE_FALSE(rates.empty());
    check_number(row.at("first LR"), rates.front());
    check_number(row.at("last LR"), rates.back());
    for (std::size_t i = 1; i < rates.size(); ++i) CHECK(rates[i] > rates[i - 1]);

    const auto* stationary = analysis(pipeline, "stationary");
    REQUIRE(stationary != nullptr);
    CHECK(std::to_string(stationary->params.get_int("window")) == row.at("window"));
    CHECK(optional_integer(stationary->params, "last_iteration") == row.at("last iteration"));

    const auto* temperature = analysis(pipeline, "temperature");
    REQUIRE(temperature != nullptr);
    const auto range = temperature->params.get_int_list("range");
    CHECK(fmt::format("[{}, {}]", range.at(0), range.at(1)) == row.at("range"));
    check_number(row.at("eps"), temperature->params.get_real("eps"));

    const auto* decay = analysis(pipeline, "temperature_decay");
    if (row.at("decay") == "—") {
      CHECK(decay == nullptr);
    } else {
      REQUIRE(decay != nullptr);
      CHECK(fmt::format("{}, {}, {}", decay->params.get_int("count"), decay->params.get_int("points"),
                        number_text(decay->params.get_real("smoothing"))) == row.at("decay"));
      CHECK(optional_integer(decay->params, "last_iteration") == row.at("last iteration"));
    }
    // The learning rates are read as each run recorded them (lr = elr·radius²).
    CHECK(stationary->params.is_null("lr_key"));
    CHECK(pipeline.optimizer->params.get_real("radius") == 1.0);
  }
}

TEST_CASE("every paper pipeline's figures draw the learning rates of docs/method.md's figure table") {
  const auto rows = table_rows(method_text(), "| pipeline | curve_indices | snr_indices |");
  const auto settings_rows = table_rows(method_text(), "| pipeline | model | iterations | LRs |");
  REQUIRE(rows.size() == settings_rows.size());
  for (const auto& row : rows) {
    const std::string name = pipeline_names(row.at("pipeline")).at(0);
    CAPTURE(name);
    const Pipeline pipeline = load(name);
    REQUIRE(pipeline.report.has_value());
    const auto& report = pipeline.report->params;
    CHECK(optional_list(report, "curve_indices") == row.at("curve_indices"));
    CHECK(report.is_null("curve_lrs"));
    CHECK(optional_list(report, "snr_indices") == row.at("snr_indices"));
    CHECK(optional_list(report, "grad_norm_indices") == row.at("grad_norm_indices"));
    CHECK(number_text(report.get_real("smoothing")) == row.at("smoothing"));
    const double grad_norm_smoothing =
        report.is_null("grad_norm_smoothing") ? report.get_real("smoothing") : report.get_real("grad_norm_smoothing");
    CHECK(number_text(grad_norm_smoothing) == row.at("grad-norm smoothing"));
    CHECK(std::to_string(report.get_int("loss_entropy_first_index")) == row.at("U, S from"));

    const auto* free_energy = analysis(pipeline, "free_energy");
    REQUIRE(free_energy != nullptr);
    CHECK(free_energy->params.is_null("lrs"));
    CHECK(optional_list(free_energy->params, "indices") == row.at("free-energy rows"));
  }
}

TEST_CASE("the subset studies: each subset size at the notebooks' learning rate and iteration bounds") {
  const auto rows = table_rows(method_text(), "| pipeline | model | iterations | sweep |");
  REQUIRE(rows.size() == 3);
  const auto convnet = load("convnet_op_cifar10_subsets");
  const auto* convnet_phase = analysis(convnet, "gradient_phase");
  REQUIRE(convnet_phase != nullptr);
  CHECK(convnet_phase->params.get_int("min_iteration") == 200000);
  CHECK(convnet_phase->params.is_null("max_iteration"));
  CHECK(convnet_phase->params.get_int("lr_rank") == 0);
  CHECK(convnet.optimizer->params.get_real("elr") == 1e-4);

  const auto resnet = load("resnet18_op_cifar10_subsets");
  const auto* resnet_phase = analysis(resnet, "gradient_phase");
  REQUIRE(resnet_phase != nullptr);
  CHECK(resnet_phase->params.get_int("min_iteration") == 10000);
  CHECK(resnet_phase->params.get_int("max_iteration") == 400000);
  CHECK(resnet_phase->params.get_int("lr_rank") == 1);
  CHECK(resnet.model->params.get_int("channels") == 32);
  CHECK(resnet.train->iterations == 1000000);
  CHECK(learning_rates(resnet) == std::vector<double>{2.154435e-05, 4.641589e-05});
  for (const auto* pipeline : {&convnet, &resnet}) {
    REQUIRE(pipeline->sweep.size() >= 1);
    CHECK(pipeline->sweep.front().key == "dataset.samples_per_label");
    CHECK(pipeline->sweep.front().values_yaml == std::vector<std::string>{"500", "1250", "2500", "5000"});
  }
  for (const auto* name : {"toy_sphere_op", "toy_sphere_up"}) {
    CAPTURE(name);
    const auto toy = load(name);
    const auto rates = learning_rates(toy);
    CHECK(rates.size() == 80);
    CHECK(rates.front() == doctest::Approx(0.001));
    CHECK(rates.back() == doctest::Approx(10.0));
    CHECK(analysis(toy, "sphere_map") != nullptr);
    CHECK(toy.train->checkpoints.kind != thermo::engine::ScheduleSpec::Kind::none);
  }
}

TEST_CASE("every pipeline is in docs/method.md, and every pipeline there exists") {
  std::set<std::string> documented;
  for (const auto* header : {"| pipeline | model | iterations | LRs |", "| pipeline | model | iterations | sweep |"}) {
    for (const auto& row : table_rows(method_text(), header)) {
      for (const auto& name : pipeline_names(row.at("pipeline"))) documented.insert(name);
    }
  }
  std::set<std::string> present;
  for (const auto& entry : fs::directory_iterator(thermo::testing::source_dir() / "pipelines")) {
    if (entry.path().extension() != ".yaml") continue;
    const auto name = entry.path().stem().string();
    if (name == "quickstart" || name == "uniform_reference") continue;  // not an experiment of the paper's
    present.insert(name);
  }
  CHECK(documented == present);
}
