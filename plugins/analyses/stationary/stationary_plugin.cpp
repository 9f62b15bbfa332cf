#include "stationary.hpp"

#include <thermo/plugin.hpp>

namespace {

class StationaryPlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "stationary"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "stationary values per LR: mean and population std of every metric over the last `window` log points "
           "(stationary.csv, stationary.json)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::stationary::schema(); }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::stationary::StationaryAnalysis>(params);
  }
};

}  // namespace

THERMO_PLUGIN(StationaryPlugin)
