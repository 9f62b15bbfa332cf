#pragma once
// Temperatures from stationary values (docs/method.md §7 steps 2–5): reads stationary.csv from the analysis
// folder (columns lr, `loss_column`, `entropy_column`; stationary writes it, table mode copies the
// user's table there), keeps the rows of `range` in ascending LR order, smooths, bounds and fits
// with the SDK core (thermo/temperature.hpp). Writes temperature.csv and temperature.json.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>
#include <thermo/temperature.hpp>

#include <optional>
#include <string>
#include <vector>

namespace thermo::temperature {

[[nodiscard]] ParamSchema schema();

class TemperatureAnalysis final : public Analysis {
 public:
  explicit TemperatureAnalysis(const Params& params);
  void run(const AnalysisContext& context) override;

 private:
  std::string loss_column_;
  std::string entropy_column_;
  std::optional<std::vector<std::int64_t>> range_;  // nullopt: every row
  TemperatureSettings settings_;
};

}  // namespace thermo::temperature
