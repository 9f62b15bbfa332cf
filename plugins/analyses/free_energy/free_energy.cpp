#include "free_energy.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>
#include <thermo/temperature.hpp>

#include <fmt/format.h>

namespace thermo::free_energy {

namespace support = analysis_support;

ParamSchema schema() {
  ParamSchema schema;
  schema
      .add("lrs", ParamType::real_list,
           "the learning rates η_i whose curves are drawn (rows of temperature.csv); null: see `indices`")
      .def(std::monostate{})
      .allow_null()
      .min(0.0, true);
  schema
      .add("indices", ParamType::integer_list,
           "the rows of temperature.csv whose curves are drawn (negative values count from the end); when both "
           "this and `lrs` are null, every row but the first and the last")
      .def(std::monostate{})
      .allow_null();
  return schema;
}

FreeEnergyAnalysis::FreeEnergyAnalysis(const Params& params) {
  if (!params.is_null("lrs")) rates_ = params.get_real_list("lrs");
  if (!params.is_null("indices")) indices_ = params.get_int_list("indices");
}

namespace {
std::string available_rates(std::span<const double> rates) {
  std::string text;
  for (const double rate : rates) text += (text.empty() ? "" : ", ") + format_number(rate);
  return text;
}
}  // namespace

void FreeEnergyAnalysis::run(const AnalysisContext& context) {
  if (rates_ && indices_) {
    throw UserError("free_energy: give either `lrs` or `indices`, not both");
  }
  const auto source = context.analysis_dir / "temperature.csv";
  const MetricsTable table = support::read_stage_table(source, "free_energy", "temperature");
  const auto rates = table.column("lr");
  const auto energy = table.column("U_smooth");
  const auto entropy = table.column("S_smooth");
  const auto temperature = table.column("T");
  const std::size_t count = table.row_count();
  if (count == 0) throw UserError(SourceLocation{source.string()}, "", "free_energy: the table has no rows");

  std::vector<std::size_t> chosen;
  if (rates_) {
    for (const double rate : *rates_) {
      std::optional<std::size_t> match;
      for (std::size_t row = 0; row < count && !match; ++row) {
        if (support::same_rate(rates[row], rate)) match = row;
      }
      if (!match) {
        throw UserError(fmt::format("free_energy: lrs: {} is not a learning rate of {} (it has {})",
                                    format_number(rate), source.string(), available_rates(rates)));
      }
      chosen.push_back(*match);
    }
  } else if (indices_) {
    const auto rows = static_cast<std::int64_t>(count);
    for (const std::int64_t index : *indices_) {
      const std::int64_t row = index < 0 ? index + rows : index;
      if (row < 0 || row >= rows) {
        throw UserError(
            fmt::format("free_energy: indices: row {} is outside the {} rows of {}", index, count, source.string()));
      }
      chosen.push_back(static_cast<std::size_t>(row));
    }
  } else {
    for (std::size_t row = count > 2 ? 1 : 0; row < (count > 2 ? count - 1 : count); ++row) chosen.push_back(row);
  }

  MetricsTable curves({"lr_i", "T_i", "lr", "F"});
  nlohmann::json summary = nlohmann::json::array();
  std::size_t at_own_rate = 0;
  for (const std::size_t i : chosen) {
    const auto curve = free_energy_curve(energy, entropy, temperature[i]);
    for (std::size_t row = 0; row < count; ++row) {
      curves.add_row(std::vector<double>{rates[i], temperature[i], rates[row], curve[row]});
    }
    const auto argmin = argmin_ignoring_nan(curve);
    const bool own = argmin && *argmin == i;
    if (own) ++at_own_rate;
    summary.push_back({{"lr", rates[i]},
                       {"index", i},
                       {"T", temperature[i]},
                       {"argmin_lr", argmin ? nlohmann::json(rates[*argmin]) : nlohmann::json(nullptr)},
                       {"argmin_index", argmin ? nlohmann::json(*argmin) : nlohmann::json(nullptr)},
                       {"F_min", argmin ? nlohmann::json(curve[*argmin]) : nlohmann::json(nullptr)},
                       {"minimum_at_own_lr", own}});
  }
  curves.write_csv(context.analysis_dir / "free_energy.csv");
  support::write_json(context.analysis_dir / "free_energy.json", {{"source", "temperature.csv"},
                                                                  {"curve_count", chosen.size()},
                                                                  {"minima_at_own_lr", at_own_rate},
                                                                  {"curves", summary}});
  logger().info("free_energy: {} curves, {} with their minimum at their own LR -> {}", chosen.size(), at_own_rate,
                (context.analysis_dir / "free_energy.csv").string());
}

}  // namespace thermo::free_energy
