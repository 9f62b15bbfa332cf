#include "stationary.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/series_statistics.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace thermo::stationary {

namespace support = analysis_support;

ParamSchema schema() {
  ParamSchema schema;
  schema
      .add("window", ParamType::integer,
           "how many of the last log points each run is averaged over (fewer when a run has fewer)")
      .def(std::int64_t{50})
      .min(1);
  schema
      .add("last_iteration", ParamType::integer,
           "the window ends at the last log point whose iteration is at most this (the reference cut the ResNet-18 "
           "CIFAR-100 runs at their log point 188); null: at the run's last log point")
      .def(std::monostate{})
      .allow_null()
      .min(0);
  support::add_lr_key_param(schema);
  return schema;
}

bool is_summarised_column(const std::string& name) {
  static const char* const kExcluded[] = {"iteration", "lr", "seconds", "time", "wall_time", "elapsed"};
  for (const char* excluded : kExcluded) {
    if (name == excluded) return false;
  }
  const std::string suffix = "_seconds";
  return !(name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

StationaryAnalysis::StationaryAnalysis(const Params& params)
    : window_(params.get_int("window")), lr_key_(support::lr_key_from(params)) {
  if (!params.is_null("last_iteration")) last_iteration_ = params.get_int("last_iteration");
}

namespace {
struct RunMetrics {
  support::RateRun run;
  MetricsTable metrics;
};
}  // namespace

void StationaryAnalysis::run(const AnalysisContext& context) {
  const Experiment& experiment = support::require_experiment(context, "stationary");
  auto choice = support::completed_runs_by_rate(experiment, lr_key_, "stationary");

  std::vector<RunMetrics> runs;
  std::vector<std::string> columns;  // the union over runs, in order of first appearance
  for (const auto& run : choice.runs) {
    MetricsTable metrics = run.run->metrics();
    if (metrics.row_count() == 0) {
      const std::string reason = "no rows in metrics.csv";
      logger().warn("stationary: skipping run {} ({})", run.run->label, reason);
      choice.skipped.push_back(support::skipped_entry(*run.run, reason));
      continue;
    }
    for (const auto& column : metrics.columns()) {
      if (is_summarised_column(column) && std::find(columns.begin(), columns.end(), column) == columns.end()) {
        columns.push_back(column);
      }
    }
    runs.push_back({run, std::move(metrics)});
  }
  if (runs.empty()) {
    throw UserError(SourceLocation{experiment.dir.string()}, "",
                    fmt::format("stationary: no completed run with metrics ({} skipped)", choice.skipped.size()));
  }

  std::vector<std::string> output_columns = {"lr"};
  for (const auto& column : columns) {
    output_columns.push_back(column);
    output_columns.push_back(column + "_std");
  }
  MetricsTable table(output_columns);
  nlohmann::json used = nlohmann::json::array();
  const auto window = static_cast<std::size_t>(window_);
  for (const auto& [run, metrics] : runs) {
    std::size_t end = metrics.row_count();
    if (last_iteration_) {
      const auto iterations = metrics.column("iteration");
      end = static_cast<std::size_t>(
          std::upper_bound(iterations.begin(), iterations.end(), static_cast<double>(*last_iteration_)) -
          iterations.begin());
      if (end == 0) {
        throw UserError(SourceLocation{(run.run->dir / "metrics.csv").string()}, "",
                        fmt::format("stationary: no log point at or before last_iteration {}", *last_iteration_));
      }
    }
    const std::size_t rows = std::min(window, end);
    const std::size_t first = end - rows;
    std::vector<double> row = {run.learning_rate};
    for (const auto& column : columns) {
      MeanAndDeviation summary{};
      if (metrics.has(column)) {
        summary = nan_mean_and_deviation(metrics.column(column).subspan(first, rows));
      } else {
        summary = nan_mean_and_deviation({});
      }
      row.push_back(summary.mean);
      row.push_back(summary.deviation);
    }
    table.add_row(row);
    used.push_back({{"label", run.run->label},
                    {"index", run.run->index},
                    {"lr", run.learning_rate},
                    {"rows_used", rows},
                    {"first_iteration", metrics.has("iteration") ? metrics.column("iteration")[first] : 0.0}});
  }
  table.write_csv(context.analysis_dir / "stationary.csv");
  support::write_json(context.analysis_dir / "stationary.json",
                      {{"window", window_},
                       {"last_iteration", last_iteration_ ? nlohmann::json(*last_iteration_) : nlohmann::json(nullptr)},
                       {"lr_key", support::lr_key_json(lr_key_)},
                       {"statistics", "mean and population standard deviation (ddof = 0) of the non-NaN values"},
                       {"run_count", runs.size()},
                       {"columns", columns},
                       {"runs", used},
                       {"skipped", choice.skipped}});
  logger().info("stationary: {} runs, last {} log points, {} metrics -> {}", runs.size(), window_, columns.size(),
                (context.analysis_dir / "stationary.csv").string());
}

}  // namespace thermo::stationary
