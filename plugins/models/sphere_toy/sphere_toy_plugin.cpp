#include "sphere_toy.hpp"

#include <thermo/error.hpp>
#include <thermo/plugin.hpp>

namespace {

class SphereToyPlugin final : public thermo::ModelPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "sphere_toy"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "the toy problem on the 3-D sphere: per-sample loss (x·a)²/‖x‖² (docs/method.md §8)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("start", thermo::ParamType::real_list, "starting point x0 (normalised by the optimizer)")
        .def(std::vector<double>{-0.8, 0.6, 0.1})
        .size_between(3, 3);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Model> create(const thermo::Params& params,
                                                      const thermo::ModelContext& context) const override {
    if (context.data == nullptr) throw thermo::UserError("sphere_toy needs a data set of vectors (sphere_points)");
    if (context.loss) throw thermo::UserError("sphere_toy has its own loss (x·a)²/‖x‖²: remove `loss:` from the pipeline");
    const auto start = params.get_real_list("start");
    return std::make_unique<thermo::sphere_toy::SphereToy>(
        context.backend, context.data->host(thermo::Split::train),
        thermo::sphere_toy::Vector3{start.at(0), start.at(1), start.at(2)});
  }
};

}  // namespace

THERMO_PLUGIN(SphereToyPlugin)
