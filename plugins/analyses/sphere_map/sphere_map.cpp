#include "sphere_map.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>
#include <thermo/npy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

namespace thermo::sphere_map {

namespace support = analysis_support;

ParamSchema schema() {
  ParamSchema schema;
  schema
      .add("resolution", ParamType::integer,
           "grid points from pole to pole (latitudes); the longitudes are twice as many, plus the closing one")
      .def(std::int64_t{48})
      .min(3)
      .max(1000);
  support::add_lr_key_param(schema);
  return schema;
}

SphereMapAnalysis::SphereMapAnalysis(const Params& params)
    : resolution_(params.get_int("resolution")), lr_key_(support::lr_key_from(params)) {}

namespace {

constexpr const char* kStage = "sphere_map";

// The full training loss (mean over every sample) of the model at the point `x`.
double full_loss(ModelResources& resources, const std::vector<double>& x, std::span<const std::int32_t> indices) {
  Model& model = resources.model();
  const VectorView parameters = model.parameters();
  if (parameters.dtype == DType::f64) {
    resources.backend().upload(x.data(), parameters);
  } else {
    const std::vector<float> narrow(x.begin(), x.end());
    resources.backend().upload(narrow.data(), parameters);
  }
  const LossValue value = model.evaluate_batch(Batch{Split::train, indices}, Mode::evaluation, false);
  return value.sum / static_cast<double>(indices.size());
}

struct Checkpoint {
  double iteration;
  std::filesystem::path file;
};

// params_<iteration>.npy files of a run, by iteration.
std::vector<Checkpoint> checkpoints_of(const RunRecord& run) {
  std::vector<Checkpoint> found;
  const auto dir = run.dir / "checkpoints";
  if (!std::filesystem::is_directory(dir)) return found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("params_") || !name.ends_with(".npy")) continue;
    const std::string digits = name.substr(7, name.size() - 11);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    found.push_back({std::stod(digits), entry.path()});
  }
  std::sort(found.begin(), found.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.iteration < b.iteration; });
  return found;
}

}  // namespace

void SphereMapAnalysis::run(const AnalysisContext& context) {
  const Experiment& experiment = support::require_experiment(context, kStage);
  if (!context.build_model) {
    throw UserError(fmt::format("analysis '{}' needs the experiment's pipeline to build its model", kStage));
  }
  const auto choice = support::completed_runs_by_rate(experiment, lr_key_, kStage);
  if (choice.runs.empty()) throw UserError(SourceLocation{experiment.dir.string()}, "", "sphere_map: no completed run");

  // The loss does not depend on the learning rate: the first run's model and data serve the grid.
  const RunRecord& first = *choice.runs.front().run;
  const auto resources = context.build_model(first);
  if (resources->model().parameters().size != 3 || resources->data() == nullptr) {
    throw UserError(fmt::format(
        "sphere_map: the model of run {} has {} parameters{}; the sphere is the toy problem's (model sphere_toy, 3 "
        "coordinates, a data set)",
        first.label, resources->model().parameters().size, resources->data() == nullptr ? " and no data set" : ""));
  }
  const std::int64_t samples = resources->data()->size(Split::train);
  std::vector<std::int32_t> indices(static_cast<std::size_t>(samples));
  std::iota(indices.begin(), indices.end(), 0);

  MetricsTable grid({"theta", "phi", "x", "y", "z", "loss"});
  const std::int64_t latitudes = resolution_;
  const std::int64_t longitudes = 2 * resolution_;
  double lowest = std::numeric_limits<double>::infinity();
  double highest = -lowest;
  for (std::int64_t i = 0; i < latitudes; ++i) {
    const double theta = std::numbers::pi * static_cast<double>(i) / static_cast<double>(latitudes - 1);
    for (std::int64_t j = 0; j <= longitudes; ++j) {  // the closing longitude repeats the first
      const double phi = 2.0 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(longitudes);
      const std::vector<double> x = {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
      const double loss = full_loss(*resources, x, indices);
      lowest = std::min(lowest, loss);
      highest = std::max(highest, loss);
      grid.add_row(std::vector<double>{theta, phi, x[0], x[1], x[2], loss});
    }
  }
  grid.write_csv(context.analysis_dir / "sphere_map.csv");

  MetricsTable trajectories({"lr", "iteration", "x", "y", "z"});
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& run : choice.runs) {
    const auto checkpoints = checkpoints_of(*run.run);
    for (const auto& checkpoint : checkpoints) {
      const auto values = read_npy(checkpoint.file).to_f64();
      if (values.size() != 3) {
        throw UserError(
            SourceLocation{checkpoint.file.string()}, "",
            fmt::format("sphere_map: a checkpoint of the toy problem holds 3 coordinates, this one {}", values.size()));
      }
      trajectories.add_row(
          std::vector<double>{run.learning_rate, checkpoint.iteration, values[0], values[1], values[2]});
    }
    runs.push_back({{"label", run.run->label}, {"lr", run.learning_rate}, {"checkpoints", checkpoints.size()}});
  }
  if (trajectories.row_count() == 0) {
    logger().warn(
        "sphere_map: the runs have no checkpoints, so no trajectories are drawn; give the pipeline a "
        "train.checkpoints schedule");
  }
  trajectories.write_csv(context.analysis_dir / "sphere_trajectories.csv");
  support::write_json(context.analysis_dir / "sphere_map.json", {{"resolution", resolution_},
                                                                 {"grid_points", grid.row_count()},
                                                                 {"loss_min", lowest},
                                                                 {"loss_max", highest},
                                                                 {"model_from", first.label},
                                                                 {"lr_key", support::lr_key_json(lr_key_)},
                                                                 {"runs", runs},
                                                                 {"skipped", choice.skipped}});
  logger().info(
      "sphere_map: the loss at {} points of the sphere (from {} to {}), {} trajectory points of {} runs -> {}",
      grid.row_count(), lowest, highest, trajectories.row_count(), runs.size(),
      (context.analysis_dir / "sphere_map.csv").string());
}

}  // namespace thermo::sphere_map
