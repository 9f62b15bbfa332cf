#include "sphere_sgd.hpp"

#include <thermo/plugin.hpp>

namespace {

class SphereSgdPlugin final : public thermo::OptimizerPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "sphere_sgd"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "projected SGD on the sphere: lr = elr·radius², then rescale the scale-invariant weights to the radius";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("elr", thermo::ParamType::real, "effective learning rate; lr = elr·radius²").def(0.01).min(0.0, true);
    schema.add("radius", thermo::ParamType::real, "norm p of the scale-invariant weights").def(1.0).min(0.0, true);
    schema.add("geodesic", thermo::ParamType::boolean, "take the exact exponential-map step instead of step + rescale")
        .def(false);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Optimizer> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::sphere_sgd::SphereSgd>(thermo::sphere_sgd::Settings{
        params.get_real("elr"), params.get_real("radius"), params.get_bool("geodesic")});
  }
};

}  // namespace

THERMO_PLUGIN(SphereSgdPlugin)
