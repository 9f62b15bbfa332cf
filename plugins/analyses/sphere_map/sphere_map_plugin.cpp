#include "sphere_map.hpp"

#include <thermo/plugin.hpp>

namespace {

class SphereMapPlugin final : public thermo::AnalysisPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "sphere_map"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "the toy problem on the 3-D sphere: its training loss on a grid of the sphere and the runs' trajectories "
           "from their checkpoints (sphere_map.csv, sphere_trajectories.csv, sphere_map.json)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::sphere_map::schema(); }
  [[nodiscard]] std::unique_ptr<thermo::Analysis> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::sphere_map::SphereMapAnalysis>(params);
  }
};

}  // namespace

THERMO_PLUGIN(SphereMapPlugin)
