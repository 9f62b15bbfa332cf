#include "resnet18.hpp"

#include <thermo/plugin.hpp>

namespace {

class ResNet18Plugin final : public thermo::ModelPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "resnet18"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "pre-activation ResNet-18(k) of the paper: widths k, 2k, 4k, 8k, a frozen bias-free linear head; every "
           "convolution is scale-invariant (docs/method.md §3)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    return thermo::layers::paper_model_schema(4, "width k (paper: 4 under-, 32/48 overparameterised)", "seed of the head weight");
  }
  [[nodiscard]] std::unique_ptr<thermo::Model> create(const thermo::Params& params,
                                                      const thermo::ModelContext& context) const override {
    return std::make_unique<thermo::resnet18::ResNet18>(thermo::layers::paper_model_options(params, context), context);
  }
};

}  // namespace

THERMO_PLUGIN(ResNet18Plugin)
