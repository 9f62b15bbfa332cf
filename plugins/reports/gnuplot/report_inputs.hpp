#pragma once
// What the report draws from, read once: the finished runs of the experiment with their learning
// rates and metrics, and whatever the analysis stages left in the analysis folder (every table is
// optional: a figure whose inputs are absent is skipped).

#include "report_settings.hpp"

#include <thermo/analysis.hpp>
#include <thermo/experiment.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace thermo::gnuplot_report {

struct RunSeries {
  const RunRecord* run = nullptr;
  double learning_rate = 0.0;
  MetricsTable metrics;
};

// The uniform-on-sphere references of analysis/uniform.json (the dashed lines).
struct UniformReference {
  std::optional<double> entropy;  // at the report's entropy_k
  std::optional<double> loss;
};

struct ReportInputs {
  const Experiment* experiment = nullptr;  // nullptr when reporting on a table alone
  std::filesystem::path analysis_dir;
  std::filesystem::path report_dir;
  // Finished runs (completed or diverged) with a numeric learning rate and metrics rows, by LR.
  std::vector<RunSeries> runs;
  std::optional<MetricsTable> stationary;           // stationary.csv
  std::optional<MetricsTable> temperature;          // temperature.csv
  std::optional<MetricsTable> free_energy;          // free_energy.csv
  std::optional<MetricsTable> temperature_decay;    // temperature_decay.csv
  std::optional<MetricsTable> gradient_phase;       // gradient_phase.csv
  std::optional<MetricsTable> sphere_map;           // sphere_map.csv (the toy's loss on the sphere)
  std::optional<MetricsTable> sphere_trajectories;  // sphere_trajectories.csv
  nlohmann::json temperature_summary;               // temperature.json, or null
  nlohmann::json free_energy_summary;               // free_energy.json, or null
  nlohmann::json gradient_phase_summary;            // gradient_phase.json, or null
  UniformReference uniform;

  [[nodiscard]] static ReportInputs load(const ReportContext& context, const Settings& settings);

  // Up to `count` runs with distinct learning rates, evenly spaced in log LR (the first and the
  // last LR always among them), ascending.
  [[nodiscard]] std::vector<const RunSeries*> spread_runs(std::size_t count) const;
  // The runs a figure draws, ascending: those at `indices` (positions among the distinct learning
  // rates, ascending: the notebooks' lrs_id) or at the values `rates` when given, else
  // spread_runs(count). Positions or values without a finished run are logged and left out.
  [[nodiscard]] std::vector<const RunSeries*> chosen_runs(const std::optional<std::vector<std::int64_t>>& indices,
                                                          const std::optional<std::vector<double>>& rates,
                                                          std::size_t count) const;
  // Whether any run's metrics have `column`.
  [[nodiscard]] bool runs_have(const std::string& column) const;
  // Whether the runs are the toy problem on the sphere (model sphere_toy, or per-sample gradient norms).
  [[nodiscard]] bool is_toy() const;
};

// Whether two learning rates are the same grid point (relative difference <= 1e-6), as the
// analysis stages match them.
[[nodiscard]] bool same_rate(double a, double b);

// Iteration and value columns of a run as (x, y) pairs, keeping rows where both are finite and,
// for a log axis, > 0.
struct Series {
  std::vector<double> x;
  std::vector<double> y;
};
[[nodiscard]] Series series_of(const MetricsTable& table, const std::string& x_column, const std::string& y_column,
                               bool log_x, bool log_y);

// Gaussian smoothing of y over ln(x) with standard deviation `width` (0: unchanged), as the
// reference smooths curves along training (thermo::smooth_in_log). The values themselves are
// averaged (not their logarithms), so a smoothed curve settles on the arithmetic stationary mean
// drawn next to it.
[[nodiscard]] std::vector<double> smooth_in_log_x(const Series& series, double width);

}  // namespace thermo::gnuplot_report
