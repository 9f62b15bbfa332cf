#include "temperature_analysis.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace thermo::temperature {

namespace support = analysis_support;

ParamSchema schema() {
  ParamSchema schema;
  schema.add("loss_column", ParamType::string, "the column of stationary.csv that holds U")
      .def(std::string("train_loss"));
  schema.add("entropy_column", ParamType::string, "the column of stationary.csv that holds S")
      .def(std::string("entropy_k50"));
  schema
      .add("range", ParamType::integer_list,
           "rows [first, last) of stationary.csv in ascending LR order to keep (negative values count from the "
           "end, like a Python slice but never clamped); null keeps every row")
      .def(std::monostate{})
      .allow_null()
      .size_between(2, 2);
  schema.add("eps", ParamType::real, "the slack ε of the bounds (reference: 1e-2 UP, 4e-2 OP)").def(1e-2).min(0.0);
  schema.add("smoothing_width", ParamType::real, "the width w of the triangular smoothing in ln(lr)")
      .def(0.3)
      .min(0.0, true);
  return schema;
}

TemperatureAnalysis::TemperatureAnalysis(const Params& params)
    : loss_column_(params.get_string("loss_column")), entropy_column_(params.get_string("entropy_column")) {
  if (!params.is_null("range")) range_ = params.get_int_list("range");
  settings_.eps = params.get_real("eps");
  settings_.smoothing_width = params.get_real("smoothing_width");
}

void TemperatureAnalysis::run(const AnalysisContext& context) {
  const auto source = context.analysis_dir / "stationary.csv";
  const MetricsTable table = support::read_stage_table(source, "temperature", "stationary");
  const auto rates = table.column("lr");
  const auto energy = table.column(loss_column_);
  const auto entropy = table.column(entropy_column_);
  const std::size_t count = table.row_count();
  for (std::size_t row = 0; row < count; ++row) {
    if (!std::isfinite(rates[row]) || !(rates[row] > 0.0)) {
      throw UserError(SourceLocation{source.string(), static_cast<int>(row) + 2, 1}, "",
                      fmt::format("lr must be finite and > 0, got {}", format_number(rates[row])));
    }
  }
  // Rows in ascending LR order (stationary writes them so; a user's table may not be).
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rates[a] < rates[b]; });

  RowRange range{0, count};
  if (range_) {
    const auto resolved = resolve_row_range((*range_)[0], (*range_)[1], count);
    if (!resolved) {
      throw UserError(
          fmt::format("temperature: range [{}, {}) selects no rows of the {} in {} (the bounds are "
                      "[first, last) row indices in ascending LR order; negative values count from the end)",
                      (*range_)[0], (*range_)[1], count, source.string()));
    }
    range = *resolved;
  }
  if (range.size() < 2) {
    throw UserError(fmt::format("temperature: needs at least 2 learning rates, the range keeps {} of the {} rows in {}",
                                range.size(), count, source.string()));
  }

  std::vector<double> kept_rates;
  std::vector<double> kept_energy;
  std::vector<double> kept_entropy;
  for (std::size_t i = range.begin; i < range.end; ++i) {
    kept_rates.push_back(rates[order[i]]);
    kept_energy.push_back(energy[order[i]]);
    kept_entropy.push_back(entropy[order[i]]);
  }
  const TemperatureEstimate estimate = estimate_temperature(kept_rates, kept_energy, kept_entropy, settings_);
  const PowerLawFit fit = fit_temperature_power_law(kept_rates, estimate.temperature);
  // The notebook's T = exp((ln T_min + ln T_max)/2) is NaN where a bound is negative: say where and why.
  nlohmann::json undefined = nlohmann::json::array();
  std::string undefined_text;
  for (std::size_t i = 0; i < kept_rates.size(); ++i) {
    const std::string problem = temperature_problem(estimate.lower[i], estimate.upper[i], estimate.temperature[i]);
    if (problem.empty()) continue;
    undefined.push_back({{"lr", kept_rates[i]}, {"T", estimate.temperature[i]}, {"reason", problem}});
    undefined_text +=
        fmt::format("{}lr {} ({})", undefined_text.empty() ? "" : ", ", format_number(kept_rates[i]), problem);
  }
  if (!undefined.empty()) {
    logger().warn(
        "temperature: T is not a finite positive number at {} of the {} LRs, and the power law leaves them out: {}",
        undefined.size(), kept_rates.size(), undefined_text);
  }
  if (fit.points_used < 2) logger().warn("temperature: fewer than 2 points for the power law; b and k are NaN");

  MetricsTable output({"lr", "U", "S", "U_smooth", "S_smooth", "T_min", "T_max", "T"});
  for (std::size_t i = 0; i < kept_rates.size(); ++i) {
    output.add_row(std::vector<double>{kept_rates[i], kept_energy[i], kept_entropy[i], estimate.smoothed_energy[i],
                                       estimate.smoothed_entropy[i], estimate.lower[i], estimate.upper[i],
                                       estimate.temperature[i]});
  }
  output.write_csv(context.analysis_dir / "temperature.csv");

  nlohmann::json fit_rates = nlohmann::json::array();
  for (const auto row : fit.rows_used) fit_rates.push_back(kept_rates[row]);
  nlohmann::json requested = range_ ? nlohmann::json(*range_) : nlohmann::json(nullptr);
  support::write_json(context.analysis_dir / "temperature.json",
                      {{"source", "stationary.csv"},
                       {"loss_column", loss_column_},
                       {"entropy_column", entropy_column_},
                       {"source_rows", count},
                       {"range",
                        {{"requested", requested},
                         {"begin", range.begin},
                         {"end", range.end},
                         {"first_lr", kept_rates.front()},
                         {"last_lr", kept_rates.back()},
                         {"lrs", kept_rates}}},
                       {"eps", settings_.eps},
                       {"smoothing_width", settings_.smoothing_width},
                       {"fit",
                        {{"b", fit.coefficient},
                         {"k", fit.exponent},
                         {"points_used", fit.points_used},
                         {"lrs_used", fit_rates},
                         {"law",
                          "T = b * lr^k: least squares of ln T on ln lr over the range without its two end "
                          "points, rows with T finite and > 0"}}},
                       {"undefined", undefined},
                       {"rows", kept_rates.size()}});
  logger().info("temperature: {} LRs in [{}, {}], T = {:.4g} * lr^{:.4g} over {} points -> {}", kept_rates.size(),
                format_number(kept_rates.front()), format_number(kept_rates.back()), fit.coefficient, fit.exponent,
                fit.points_used, (context.analysis_dir / "temperature.csv").string());
}

}  // namespace thermo::temperature
