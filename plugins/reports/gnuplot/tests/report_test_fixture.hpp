#pragma once
// Synthetic experiments for the gnuplot report's tests: a sweep directory in the engine's layout
// (manifest.json, runs/<label>/summary.json and metrics.csv) whose completed runs settle on a
// Gaussian Gibbs family (U = d·T/2, S = (d/2)·ln(2πeT), T = c·η, so the free-energy minima sit at
// their own LR), analysed by the real analysis stages; and a toy-like sweep (sphere_toy).

#include "free_energy.hpp"
#include "gradient_phase.hpp"
#include "stationary.hpp"
#include "temperature_analysis.hpp"
#include "temperature_decay.hpp"

#include <thermo/analysis.hpp>
#include <thermo/experiment.hpp>
#include <thermo/params.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace thermo::report_test {

struct FixtureRun {
  std::string label;
  double learning_rate = 0.0;
  std::string status = "completed";
  std::string message;
  MetricsTable metrics;  // not written when it has no columns
};

inline void write_json_file(const std::filesystem::path& file, const nlohmann::json& document) {
  std::ofstream(file) << document.dump(2);
}

inline void write_sweep(const std::filesystem::path& dir, const nlohmann::json& config,
                        const std::vector<FixtureRun>& runs) {
  nlohmann::json manifest = {{"name", config.value("name", "sweep")},
                             {"config", config},
                             {"swept_keys", {"optimizer.elr"}},
                             {"points", nlohmann::json::array()}};
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const auto& run = runs[index];
    const std::string run_dir = "runs/" + run.label;
    manifest["points"].push_back({{"index", index},
                                  {"label", run.label},
                                  {"dir", run_dir},
                                  {"overrides", {{"optimizer.elr", run.learning_rate}}},
                                  {"status", run.status}});
    std::filesystem::create_directories(dir / run_dir);
    nlohmann::json summary = {{"status", run.status}, {"learning_rate", run.learning_rate}};
    if (!run.message.empty()) summary["message"] = run.message;
    write_json_file(dir / run_dir / "summary.json", summary);
    if (!run.metrics.columns().empty()) run.metrics.write_csv(dir / run_dir / "metrics.csv");
  }
  write_json_file(dir / "manifest.json", manifest);
}

// The schema's defaults with `overrides` on top.
inline Params with_defaults(const ParamSchema& schema, const std::map<std::string, ParamValue>& overrides = {}) {
  Params params;
  for (const auto& spec : schema.specs()) {
    if (!spec.default_value) throw std::logic_error("no default for " + spec.name);
    params.set(spec.name, *spec.default_value);
  }
  for (const auto& [name, value] : overrides) {
    if (schema.find(name) == nullptr) throw std::logic_error("no parameter " + name);
    params.set(name, value);
  }
  return params;
}

// {0..9} ∪ int(logspace(1, log10(last), count)), like the engine's log schedule.
inline std::vector<double> log_iterations(double last, int count) {
  std::vector<double> iterations;
  for (int i = 0; i < 10; ++i) iterations.push_back(i);
  for (int i = 0; i < count; ++i) {
    const double value =
        std::floor(std::pow(10.0, 1.0 + (std::log10(last) - 1.0) * i / static_cast<double>(count - 1)));
    if (value > iterations.back()) iterations.push_back(value);
  }
  return iterations;
}

constexpr double kDimension = 1000.0;
constexpr double kTemperaturePerRate = 0.05;

inline double gibbs_energy(double rate) {
  return kDimension * kTemperaturePerRate * rate / 2.0;
}
inline double gibbs_entropy(double rate) {
  return kDimension / 2.0 * std::log(2.0 * std::numbers::pi * std::numbers::e * kTemperaturePerRate * rate);
}

// Metrics of a network-like run at `rate`: the loss relaxes from 5 to its Gibbs value, the entropy
// (NaN until the trajectory queue fills) rises to its own, the gradient norms shrink, with noise.
inline MetricsTable network_metrics(double rate, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  MetricsTable table({"iteration", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "stoch_grad_norm",
                      "full_grad_norm", "stoch_grad_rms", "snr", "noise_mean_norm", "snr_old", "stoch_grad_mean_norm",
                      "stoch_grad_mean_norm_squared", "entropy_k1", "entropy_k50", "seconds"});
  const double energy = gibbs_energy(rate);
  const double entropy = gibbs_entropy(rate);
  for (const double iteration : log_iterations(1e5, 80)) {
    const double relax = std::exp(-iteration * rate);
    const double loss = (energy + (5.0 - energy) * relax) * std::exp(0.05 * noise(generator));
    const double full = (0.02 + 2.0 * relax) * std::sqrt(rate) * std::exp(0.1 * noise(generator));
    const double spread = 0.05 * std::sqrt(rate) * std::exp(0.1 * noise(generator));
    const double mean_norm = std::sqrt(full * full + spread * spread);
    const double s = iteration < 20 ? std::nan("") : entropy - 50.0 * relax + noise(generator);
    table.add_row(std::vector<double>{iteration, loss, 1.0 - loss / 6.0, loss * 1.1, 0.9 - loss / 6.0, mean_norm, full,
                                      spread, full / spread, spread * 0.9, full / (spread * 0.9), mean_norm,
                                      mean_norm * mean_norm, s - 200.0, s, iteration * 1e-3});
  }
  return table;
}

inline const nlohmann::json& network_config() {
  static const nlohmann::json config = {
      {"name", "convnet_up_synthetic"},
      {"description", "A synthetic UP sweep for the report's tests <with markup & quotes \"here\">"},
      {"model", {{"plugin", "convnet"}, {"channels", 8}}},
      {"dataset", {{"plugin", "synthetic"}, {"samples_per_label", 500}}},
      {"optimizer", {{"plugin", "sphere_sgd"}, {"elr", 0.01}}}};
  return config;
}

// Six completed LRs in [1e-3, 1e-1], one diverged, one failed without metrics; analysed by
// stationary, temperature, free_energy, temperature_decay and gradient_phase, plus a uniform.json.
inline Experiment write_network_sweep(const std::filesystem::path& dir) {
  std::vector<FixtureRun> runs;
  for (int i = 0; i < 6; ++i) {
    const double rate = std::pow(10.0, -3.0 + 0.4 * i);
    runs.push_back({fmt::format("{:03}-elr{:.4g}", i, rate), rate, "completed", "",
                    network_metrics(rate, 17u + static_cast<unsigned>(i))});
  }
  MetricsTable diverged = network_metrics(0.5, 99);
  MetricsTable cut(diverged.columns());
  for (std::size_t row = 0; row < 30; ++row) {
    std::vector<double> values;
    for (const auto& column : diverged.columns()) values.push_back(diverged.column(column)[row]);
    if (row >= 25) values[1] = std::numeric_limits<double>::infinity();
    cut.add_row(values);
  }
  runs.push_back({"006-elr0.5", 0.5, "diverged", "train_loss is inf at iteration 25", cut});
  runs.push_back({"007-elr1", 1.0, "failed", "out of memory <oops>", MetricsTable{}});
  write_sweep(dir, network_config(), runs);

  Experiment experiment = Experiment::open(dir);
  AnalysisContext context;
  context.experiment = &experiment;
  context.analysis_dir = dir / "analysis";
  std::filesystem::create_directories(context.analysis_dir);
  stationary::StationaryAnalysis(with_defaults(stationary::schema(), {{"window", std::int64_t{20}}})).run(context);
  temperature::TemperatureAnalysis(with_defaults(temperature::schema(), {{"eps", 0.0}})).run(context);
  free_energy::FreeEnergyAnalysis(with_defaults(free_energy::schema())).run(context);
  temperature_decay::TemperatureDecayAnalysis(
      with_defaults(temperature_decay::schema(), {{"points", std::int64_t{40}}, {"count", std::int64_t{2}}}))
      .run(context);
  gradient_phase::GradientPhaseAnalysis(with_defaults(gradient_phase::schema(), {{"min_iteration", std::int64_t{100}}}))
      .run(context);
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& run : runs) labels.push_back(run.label);
  write_json_file(context.analysis_dir / "uniform.json",
                  nlohmann::json::array({{{"runs", labels},
                                          {"model", network_config()["model"]},
                                          {"dimension", 24408},
                                          {"points", 1000},
                                          {"repeats", 10},
                                          {"method", "wishart"},
                                          {"entropy", {{"1", 2500.0}, {"50", 3500.0}}},
                                          {"entropy_std", {{"1", 1.0}, {"50", 1.0}}},
                                          {"loss", 2.9},
                                          {"loss_std", 0.01}}}));
  return experiment;
}

// A toy-like sweep (model sphere_toy, UP): nine LRs in [1e-2, 10], metrics like the toy's (loss above
// its minimum, SNR, gradient norms, per-sample gradient norms), analysed by stationary.
inline Experiment write_toy_sweep(const std::filesystem::path& dir) {
  const nlohmann::json config = {{"name", "toy_sphere_up"},
                                 {"description", "toy problem on the sphere (test)"},
                                 {"model", {{"plugin", "sphere_toy"}}},
                                 {"dataset", {{"plugin", "sphere_points"}, {"preset", "up"}}},
                                 {"optimizer", {{"plugin", "sphere_sgd"}, {"elr", 0.1}}}};
  std::vector<FixtureRun> runs;
  for (int i = 0; i < 9; ++i) {
    const double rate = std::pow(10.0, -2.0 + 0.375 * i);
    std::mt19937 generator(5u + static_cast<unsigned>(i));
    std::normal_distribution<double> noise(0.0, 1.0);
    MetricsTable table({"iteration", "train_loss", "train_loss_above_min", "full_grad_norm", "stoch_grad_rms", "snr",
                        "noise_mean_norm", "snr_old", "stoch_grad_mean_norm", "stoch_grad_mean_norm_squared",
                        "sample_grad_norm_1", "sample_grad_norm_2", "sample_grad_norm_3", "seconds"});
    std::vector<double> iterations;
    for (int t = 1; t < 100; ++t) iterations.push_back(t);
    for (int k = 0; k < 150; ++k) {
      const double t = std::floor(std::pow(10.0, 2.0 + (std::log10(50000.0) - 2.0) * k / 149.0));
      if (t > iterations.back()) iterations.push_back(t);
    }
    for (const double t : iterations) {
      const double floor_level = 0.02 * rate * rate / (1.0 + rate);
      const double relax = 1.0 / (1.0 + std::pow(t * rate / 30.0, 2.0));
      const double above = (0.4 * relax + floor_level) * std::exp(0.4 * noise(generator));
      const double full = std::sqrt(above) * 0.5 * std::exp(0.2 * noise(generator));
      const double rms = 0.6 + 0.05 * noise(generator);
      table.add_row(std::vector<double>{t, above + 0.1, above, full, rms, full / rms, rms, full / rms,
                                        std::sqrt(full * full + rms * rms), full * full + rms * rms, 0.4, 0.5, 0.6,
                                        t * 1e-6});
    }
    runs.push_back({fmt::format("{:03}-elr{:.4g}", i, rate), rate, "completed", "", table});
  }
  write_sweep(dir, config, runs);
  Experiment experiment = Experiment::open(dir);
  AnalysisContext context;
  context.experiment = &experiment;
  context.analysis_dir = dir / "analysis";
  std::filesystem::create_directories(context.analysis_dir);
  stationary::StationaryAnalysis(with_defaults(stationary::schema(), {{"window", std::int64_t{50}}})).run(context);
  return experiment;
}

}  // namespace thermo::report_test

#include "gnuplot_report.hpp"
#include "report_settings.hpp"

namespace thermo::report_test {

// Draws the report of `experiment` (nullptr: the analysis folder alone) into dir/report.
inline void render(const Experiment* experiment, const std::filesystem::path& dir,
                   const std::map<std::string, ParamValue>& overrides = {}) {
  const auto settings = gnuplot_report::settings_from(with_defaults(gnuplot_report::schema(), overrides));
  gnuplot_report::GnuplotReport(settings).render(ReportContext{experiment, dir / "analysis", dir / "report"});
}

}  // namespace thermo::report_test
