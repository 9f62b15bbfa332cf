#include "resnet18.hpp"

#include <thermo/plugin.hpp>

namespace {

class ResNet18Plugin final : public thermo::ModelPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "resnet18"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "pre-activation ResNet-18(k) of the paper: widths k, 2k, 4k, 8k, a frozen bias-free linear head; every "
           "convolution is scale-invariant (SPEC §3)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("channels", thermo::ParamType::integer, "width k (paper: 4 under-, 32/48 overparameterised)")
        .def(std::int64_t{4})
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
    schema.add("head_seed", thermo::ParamType::integer, "seed of the head weight").def(std::int64_t{4}).min(0);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Model> create(const thermo::Params& params,
                                                      const thermo::ModelContext& context) const override {
    thermo::resnet18::ResNet18Options options;
    options.width = params.get_int("channels");
    if (!params.is_null("last_layer_norm")) options.last_layer_norm = params.get_real("last_layer_norm");
    options.init_seed = static_cast<std::uint64_t>(params.get_int("init_seed"));
    options.head_seed = static_cast<std::uint64_t>(params.get_int("head_seed"));
    options.loss = context.loss.value_or(thermo::LossKind::cross_entropy);
    return std::make_unique<thermo::resnet18::ResNet18>(options, context);
  }
};

}  // namespace

THERMO_PLUGIN(ResNet18Plugin)
