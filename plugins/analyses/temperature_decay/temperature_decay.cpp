#include "temperature_decay.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>
#include <thermo/series_statistics.hpp>
#include <thermo/temperature.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace thermo::temperature_decay {

namespace support = analysis_support;

ParamSchema schema() {
  ParamSchema schema;
  schema.add("lr", ParamType::real, "the learning rate of the run to analyse; null: the `count` smallest LRs")
      .def(std::monostate{})
      .allow_null()
      .min(0.0, true);
  schema
      .add("count", ParamType::integer,
           "with lr null: how many of the smallest LRs (the reference draws 4 for ConvNet CIFAR-10, 3 elsewhere)")
      .def(std::int64_t{1})
      .min(1);
  schema.add("points", ParamType::integer, "how many of the last log points are used (reference: 100)")
      .def(std::int64_t{100})
      .min(1);
  schema.add("offset", ParamType::integer, "the centred difference's half-width o, in log points (reference: 2)")
      .def(std::int64_t{2})
      .min(1);
  schema
      .add("smoothing", ParamType::real,
           "width σ in ln(iteration) of the Gaussian smoothing of U and S over the window before the differences "
           "(reference: 0.2 for ConvNet CIFAR-100); 0: none")
      .def(0.0)
      .min(0.0);
  schema
      .add("last_iteration", ParamType::integer,
           "the window ends at the last log point whose iteration is at most this (the reference cut some runs); "
           "null: at the run's last log point")
      .def(std::monostate{})
      .allow_null()
      .min(0);
  schema.add("loss_column", ParamType::string, "the metrics column that holds U").def(std::string("train_loss"));
  schema.add("entropy_column", ParamType::string, "the metrics column that holds S").def(std::string("entropy_k50"));
  support::add_lr_key_param(schema);
  return schema;
}

TemperatureDecayAnalysis::TemperatureDecayAnalysis(const Params& params)
    : count_(params.get_int("count")),
      points_(params.get_int("points")),
      offset_(params.get_int("offset")),
      smoothing_(params.get_real("smoothing")),
      loss_column_(params.get_string("loss_column")),
      entropy_column_(params.get_string("entropy_column")),
      lr_key_(support::lr_key_from(params)) {
  if (!params.is_null("lr")) rate_ = params.get_real("lr");
  if (!params.is_null("last_iteration")) last_iteration_ = params.get_int("last_iteration");
}

void TemperatureDecayAnalysis::run(const AnalysisContext& context) {
  const Experiment& experiment = support::require_experiment(context, "temperature_decay");
  const auto choice = support::completed_runs_by_rate(experiment, lr_key_, "temperature_decay");
  if (choice.runs.empty()) {
    throw UserError(SourceLocation{experiment.dir.string()}, "", "temperature_decay: no completed run");
  }

  // One run per chosen learning rate (the first by run index when several share one).
  std::vector<support::RateRun> chosen;
  if (rate_) {
    const auto matches = support::runs_at_rate(choice.runs, *rate_);
    if (matches.empty()) {
      throw UserError(fmt::format("temperature_decay: lr {} is not the learning rate of a completed run (they are {})",
                                  format_number(*rate_), support::rate_list(choice.runs)));
    }
    chosen.push_back(matches.front());
  } else {
    for (const auto& run : choice.runs) {
      if (!chosen.empty() && support::same_rate(chosen.back().learning_rate, run.learning_rate)) continue;
      if (chosen.size() == static_cast<std::size_t>(count_)) break;
      chosen.push_back(run);
    }
  }

  MetricsTable output({"lr", "iteration", "T"});
  nlohmann::json runs = nlohmann::json::array();
  const auto offset = static_cast<std::size_t>(offset_);
  for (const auto& run : chosen) {
    if (support::runs_at_rate(choice.runs, run.learning_rate).size() > 1) {
      logger().warn("temperature_decay: several runs at lr {}; using {}", format_number(run.learning_rate),
                    run.run->label);
    }
    const MetricsTable metrics = run.run->metrics();
    if (metrics.row_count() == 0) {
      throw UserError(SourceLocation{(run.run->dir / "metrics.csv").string()}, "",
                      "temperature_decay: the run has no metrics rows");
    }
    const auto all_iterations = metrics.column("iteration");
    std::size_t end = metrics.row_count();
    if (last_iteration_) {
      end = static_cast<std::size_t>(
          std::upper_bound(all_iterations.begin(), all_iterations.end(), static_cast<double>(*last_iteration_)) -
          all_iterations.begin());
      if (end == 0) {
        throw UserError(
            SourceLocation{(run.run->dir / "metrics.csv").string()}, "",
            fmt::format("temperature_decay: no log point at or before last_iteration {}", *last_iteration_));
      }
    }
    const std::size_t window = std::min(static_cast<std::size_t>(points_), end);
    const std::size_t first = end - window;
    const auto iterations = all_iterations.subspan(first, window);
    std::vector<double> energy(metrics.column(loss_column_).subspan(first, window).begin(),
                               metrics.column(loss_column_).subspan(first, window).end());
    std::vector<double> entropy(metrics.column(entropy_column_).subspan(first, window).begin(),
                                metrics.column(entropy_column_).subspan(first, window).end());
    if (smoothing_ > 0.0) {
      if (!std::all_of(iterations.begin(), iterations.end(), [](double it) { return it > 0.0; })) {
        throw UserError(SourceLocation{(run.run->dir / "metrics.csv").string()}, "",
                        "temperature_decay: smoothing in ln(iteration) needs the window's iterations > 0 (use more "
                        "log points, or fewer `points`)");
      }
      energy = smooth_in_log(iterations, energy, smoothing_);
      entropy = smooth_in_log(iterations, entropy, smoothing_);
    }
    const auto temperature = finite_difference_temperature(energy, entropy, offset);
    if (temperature.empty()) {
      logger().warn("temperature_decay: run {} has {} log points in the window, needs more than {}", run.run->label,
                    window, 2 * offset);
    }
    for (std::size_t k = 0; k < temperature.size(); ++k) {
      output.add_row(std::vector<double>{run.learning_rate, iterations[k + offset], temperature[k]});
    }
    runs.push_back(
        {{"label", run.run->label},
         {"index", run.run->index},
         {"lr", run.learning_rate},
         {"window_rows", window},
         {"values", temperature.size()},
         {"first_iteration", temperature.empty() ? nlohmann::json(nullptr) : nlohmann::json(iterations[offset])},
         {"last_iteration",
          temperature.empty() ? nlohmann::json(nullptr) : nlohmann::json(iterations[window - offset - 1])}});
  }
  output.write_csv(context.analysis_dir / "temperature_decay.csv");
  support::write_json(context.analysis_dir / "temperature_decay.json",
                      {{"points", points_},
                       {"offset", offset_},
                       {"smoothing", smoothing_},
                       {"last_iteration", last_iteration_ ? nlohmann::json(*last_iteration_) : nlohmann::json(nullptr)},
                       {"loss_column", loss_column_},
                       {"entropy_column", entropy_column_},
                       {"lr_key", support::lr_key_json(lr_key_)},
                       {"formula",
                        "T_t = (U[t+offset] - U[t-offset]) / (S[t+offset] - S[t-offset]) over the last "
                        "`points` log points up to last_iteration, U and S first smoothed by a Gaussian of width "
                        "`smoothing` in ln(iteration) over the window; iteration = that of t"},
                       {"runs", runs},
                       {"skipped", choice.skipped}});
  logger().info("temperature_decay: {} runs, {} values -> {}", chosen.size(), output.row_count(),
                (context.analysis_dir / "temperature_decay.csv").string());
}

}  // namespace thermo::temperature_decay
