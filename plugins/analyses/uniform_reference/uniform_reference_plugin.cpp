#include "uniform_reference.hpp"

#include <thermo/error.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace {

class UniformReferencePlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "uniform_reference"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "entropy of uniform points on the sphere of each model's SI dimension and the training loss of uniformly "
           "random SI weights (uniform.json, summary.json `uniform`)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::uniform_reference::schema(); }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    auto settings = thermo::uniform_reference::settings_from(params);
    auto sorted = settings.ks;
    std::sort(sorted.begin(), sorted.end());
    if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
      throw thermo::UserError(fmt::format("uniform_reference: `ks` lists k = {} twice", *twice));
    }
    return std::make_unique<thermo::uniform_reference::UniformReferenceAnalysis>(std::move(settings));
  }
};

}  // namespace

THERMO_PLUGIN(UniformReferencePlugin)
