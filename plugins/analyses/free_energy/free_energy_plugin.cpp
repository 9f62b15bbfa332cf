#include "free_energy.hpp"

#include <thermo/plugin.hpp>

namespace {

class FreeEnergyPlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "free_energy"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "free-energy curves F_i(lr') = U~(lr') - T_i*S~(lr') from temperature.csv and their minima "
           "(free_energy.csv, free_energy.json)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::free_energy::schema(); }
  [[nodiscard]] bool needs_sweep() const override { return true; }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::free_energy::FreeEnergyAnalysis>(params);
  }
};

}  // namespace

THERMO_PLUGIN(FreeEnergyPlugin)
