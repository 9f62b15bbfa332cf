#include "report_inputs.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/series_statistics.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

namespace thermo::gnuplot_report {
namespace {

std::optional<MetricsTable> optional_table(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  try {
    return MetricsTable::read_csv(file);
  } catch (const UserError& error) {
    logger().warn("gnuplot report: cannot read {}; the figures drawn from it are skipped: {}", file.string(),
                  format_error(error));
    return std::nullopt;
  }
}

nlohmann::json optional_json(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return nullptr;
  std::ifstream in(file);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    logger().warn("gnuplot report: {} is not valid JSON ({}); it is ignored", file.string(), error.what());
    return nullptr;
  }
}

std::optional<double> number_at(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number()) return std::nullopt;
  const double value = object[key].get<double>();
  return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

// uniform.json holds one entry per distinct model; the one serving most of the drawn runs is used.
UniformReference uniform_reference(const nlohmann::json& document, const std::vector<RunSeries>& runs,
                                   std::int64_t entropy_k) {
  if (document.is_null()) return {};
  const nlohmann::json entries = document.is_array() ? document : nlohmann::json::array({document});
  std::set<std::string> labels;
  for (const auto& run : runs) labels.insert(run.run->label);
  const nlohmann::json* best = nullptr;
  std::size_t best_count = 0;
  for (const auto& entry : entries) {
    if (!entry.is_object()) continue;
    std::size_t count = 0;
    for (const auto& label : entry.value("runs", nlohmann::json::array())) {
      if (label.is_string() && labels.count(label.get<std::string>()) != 0) ++count;
    }
    if (best == nullptr || count > best_count) {
      best = &entry;
      best_count = count;
    }
  }
  if (best == nullptr) return {};
  if (entries.size() > 1) {
    logger().debug("gnuplot report: uniform.json has {} models; the dashed references use the one of {} runs",
                   entries.size(), best_count);
  }
  UniformReference reference;
  reference.entropy = number_at(best->value("entropy", nlohmann::json::object()), std::to_string(entropy_k));
  reference.loss = number_at(*best, "loss");
  return reference;
}

}  // namespace

ReportInputs ReportInputs::load(const ReportContext& context, const Settings& settings) {
  ReportInputs inputs;
  inputs.experiment = context.experiment;
  inputs.analysis_dir = context.analysis_dir;
  inputs.report_dir = context.report_dir;
  if (context.experiment != nullptr) {
    for (const auto& run : context.experiment->runs) {
      if (!run.finished()) {
        logger().debug("gnuplot report: run {} is {}; not drawn", run.label, run.status);
        continue;
      }
      const auto rate = context.experiment->learning_rate_of(run, settings.lr_key);
      if (!rate.is_number() || !(rate.get<double>() > 0.0)) {
        logger().debug("gnuplot report: run {} has no learning rate > 0 ({}); not drawn", run.label,
                       settings.lr_key.empty() ? std::string("summary.json learning_rate") : settings.lr_key);
        continue;
      }
      RunSeries series{&run, rate.get<double>(), {}};
      try {
        series.metrics = run.metrics();
      } catch (const UserError& error) {
        logger().warn("gnuplot report: run {}: {}; not drawn", run.label, format_error(error));
        continue;
      }
      if (series.metrics.row_count() == 0 || !series.metrics.has("iteration")) {
        logger().debug("gnuplot report: run {} has no metrics rows; not drawn", run.label);
        continue;
      }
      inputs.runs.push_back(std::move(series));
    }
    std::stable_sort(inputs.runs.begin(), inputs.runs.end(),
                     [](const RunSeries& a, const RunSeries& b) { return a.learning_rate < b.learning_rate; });
  }
  const auto& dir = context.analysis_dir;
  inputs.stationary = optional_table(dir / "stationary.csv");
  inputs.temperature = optional_table(dir / "temperature.csv");
  inputs.free_energy = optional_table(dir / "free_energy.csv");
  inputs.temperature_decay = optional_table(dir / "temperature_decay.csv");
  inputs.gradient_phase = optional_table(dir / "gradient_phase.csv");
  inputs.sphere_map = optional_table(dir / "sphere_map.csv");
  inputs.sphere_trajectories = optional_table(dir / "sphere_trajectories.csv");
  inputs.temperature_summary = optional_json(dir / "temperature.json");
  inputs.free_energy_summary = optional_json(dir / "free_energy.json");
  inputs.gradient_phase_summary = optional_json(dir / "gradient_phase.json");
  inputs.uniform = uniform_reference(optional_json(dir / "uniform.json"), inputs.runs, settings.entropy_k);
  return inputs;
}

std::vector<const RunSeries*> ReportInputs::spread_runs(std::size_t count) const {
  // One run per distinct learning rate (the first of equal ones).
  std::vector<const RunSeries*> distinct;
  for (const auto& run : runs) {
    if (distinct.empty() || !same_rate(run.learning_rate, distinct.back()->learning_rate)) distinct.push_back(&run);
  }
  if (count == 0 || distinct.size() <= count) return distinct;
  const double low = std::log(distinct.front()->learning_rate);
  const double high = std::log(distinct.back()->learning_rate);
  std::vector<bool> taken(distinct.size(), false);
  std::vector<const RunSeries*> chosen;
  for (std::size_t j = 0; j < count; ++j) {
    const double target =
        count == 1 ? low : low + (high - low) * static_cast<double>(j) / static_cast<double>(count - 1);
    std::size_t best = distinct.size();
    for (std::size_t i = 0; i < distinct.size(); ++i) {
      if (taken[i]) continue;
      if (best == distinct.size() || std::abs(std::log(distinct[i]->learning_rate) - target) <
                                         std::abs(std::log(distinct[best]->learning_rate) - target)) {
        best = i;
      }
    }
    taken[best] = true;
  }
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    if (taken[i]) chosen.push_back(distinct[i]);
  }
  return chosen;
}

std::vector<const RunSeries*> ReportInputs::chosen_runs(const std::optional<std::vector<std::int64_t>>& indices,
                                                        const std::optional<std::vector<double>>& rates,
                                                        std::size_t count) const {
  if (!indices && !rates) return spread_runs(count);
  const auto distinct = spread_runs(0);
  std::vector<bool> taken(distinct.size(), false);
  std::string missing;
  if (indices) {
    for (const auto index : *indices) {
      if (index >= 0 && static_cast<std::size_t>(index) < distinct.size()) {
        taken[static_cast<std::size_t>(index)] = true;
      } else {
        missing += (missing.empty() ? "" : ", ") + std::to_string(index);
      }
    }
  } else {
    for (const double rate : *rates) {
      const auto match = std::find_if(distinct.begin(), distinct.end(),
                                      [rate](const RunSeries* run) { return same_rate(run->learning_rate, rate); });
      if (match != distinct.end()) {
        taken[static_cast<std::size_t>(match - distinct.begin())] = true;
      } else {
        missing += (missing.empty() ? "" : ", ") + format_number(rate);
      }
    }
  }
  if (!missing.empty()) {
    logger().warn("gnuplot report: no finished run at the chosen {} {} (there are {} distinct LRs); not drawn",
                  indices ? "positions" : "learning rates", missing, distinct.size());
  }
  std::vector<const RunSeries*> chosen;
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    if (taken[i]) chosen.push_back(distinct[i]);
  }
  return chosen;
}

bool ReportInputs::runs_have(const std::string& column) const {
  return std::any_of(runs.begin(), runs.end(), [&](const RunSeries& run) { return run.metrics.has(column); });
}

bool ReportInputs::is_toy() const {
  if (experiment != nullptr) {
    const auto model = experiment->config.value("model", nlohmann::json::object());
    if (model.is_object() && model.value("plugin", std::string()) == "sphere_toy") return true;
  }
  return runs_have("sample_grad_norm_1");
}

bool same_rate(double a, double b) {
  return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b));
}

Series series_of(const MetricsTable& table, const std::string& x_column, const std::string& y_column, bool log_x,
                 bool log_y) {
  Series series;
  if (!table.has(x_column) || !table.has(y_column)) return series;
  const auto x = table.column(x_column);
  const auto y = table.column(y_column);
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    if (!std::isfinite(x[row]) || !std::isfinite(y[row])) continue;
    if ((log_x && !(x[row] > 0.0)) || (log_y && !(y[row] > 0.0))) continue;
    series.x.push_back(x[row]);
    series.y.push_back(y[row]);
  }
  return series;
}

std::vector<double> smooth_in_log_x(const Series& series, double width) {
  if (width <= 0.0 || series.x.size() < 3) return series.y;
  return smooth_in_log(series.x, series.y, width);
}

}  // namespace thermo::gnuplot_report
