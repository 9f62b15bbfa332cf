#include "convnet.hpp"

#include <thermo/plugin.hpp>

namespace {

class ConvNetPlugin final : public thermo::ModelPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "convnet"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "ConvNet(c) of the paper: 4 conv3x3-BN-ReLU blocks (widths c, 2c, 4c, 8c) and a frozen linear head; "
           "every convolution is scale-invariant (docs/method.md §3)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    return thermo::layers::paper_model_schema(8, "width c (paper: 8 under-, 64/96 overparameterised)", "seed of the head weight and bias");
  }
  [[nodiscard]] std::unique_ptr<thermo::Model> create(const thermo::Params& params,
                                                      const thermo::ModelContext& context) const override {
    return std::make_unique<thermo::convnet::ConvNet>(thermo::layers::paper_model_options(params, context), context);
  }
};

}  // namespace

THERMO_PLUGIN(ConvNetPlugin)
