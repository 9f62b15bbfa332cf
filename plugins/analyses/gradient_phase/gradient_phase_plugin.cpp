#include "gradient_phase.hpp"

#include <thermo/plugin.hpp>

namespace {

class GradientPhasePlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "gradient_phase"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "gradient phase: per group (subset size), fit ln(stoch_grad_mean_norm) = k*ln(full_grad_norm) + b over "
           "late log points (gradient_phase.csv, gradient_phase.json)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::gradient_phase::schema(); }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::gradient_phase::GradientPhaseAnalysis>(params);
  }
};

}  // namespace

THERMO_PLUGIN(GradientPhasePlugin)
