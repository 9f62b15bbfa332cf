#include "convnet.hpp"

#include <thermo/plugin.hpp>

namespace {

class ConvNetPlugin final : public thermo::ModelPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "convnet"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "ConvNet(c) of the paper: 4 conv3x3-BN-ReLU blocks (widths c, 2c, 4c, 8c) and a frozen linear head; "
           "every convolution is scale-invariant (SPEC §3)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("channels", thermo::ParamType::integer, "width c (paper: 8 under-, 64/96 overparameterised)")
        .def(std::int64_t{8})
        .min(1);
    schema
        .add("last_layer_norm", thermo::ParamType::real,
             "Frobenius norm of the frozen head weight; null: 10 for cross-entropy, 1.5 for MSE")
        .def(std::monostate{})
        .allow_null()
        .min(0.0, true);
    schema.add("init_seed", thermo::ParamType::integer, "seed of the convolution weights (shared by a sweep)")
        .def(std::int64_t{1})
        .min(0);
    schema.add("head_seed", thermo::ParamType::integer, "seed of the head weight and bias").def(std::int64_t{4}).min(0);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Model> create(const thermo::Params& params,
                                                      const thermo::ModelContext& context) const override {
    thermo::convnet::ConvNetOptions options;
    options.channels = params.get_int("channels");
    if (!params.is_null("last_layer_norm")) options.last_layer_norm = params.get_real("last_layer_norm");
    options.init_seed = static_cast<std::uint64_t>(params.get_int("init_seed"));
    options.head_seed = static_cast<std::uint64_t>(params.get_int("head_seed"));
    options.loss = context.loss.value_or(thermo::LossKind::cross_entropy);
    return std::make_unique<thermo::convnet::ConvNet>(options, context);
  }
};

}  // namespace

THERMO_PLUGIN(ConvNetPlugin)
