#include "temperature_analysis.hpp"

#include <thermo/plugin.hpp>

namespace {

class TemperaturePlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "temperature"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "temperature per LR from stationary U and S: smoothing, bounds T_min/T_max, T = sqrt(T_min*T_max) and "
           "the power law T = b*lr^k (temperature.csv, temperature.json)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::temperature::schema(); }
  [[nodiscard]] bool needs_sweep() const override { return true; }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::temperature::TemperatureAnalysis>(params);
  }
};

}  // namespace

THERMO_PLUGIN(TemperaturePlugin)
