#include "temperature_decay.hpp"

#include <thermo/plugin.hpp>

namespace {

class TemperatureDecayPlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "temperature_decay"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "temperature along training at one LR: T_t = dU/dS by centred differences over the last log points "
           "(temperature_decay.csv, temperature_decay.json)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::temperature_decay::schema(); }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::temperature_decay::TemperatureDecayAnalysis>(params);
  }
};

}  // namespace

THERMO_PLUGIN(TemperatureDecayPlugin)
