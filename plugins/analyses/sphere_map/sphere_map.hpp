#pragma once
// The toy problem's sphere (docs/method.md, "The toy problem"): the full training loss on a
// latitude-longitude grid of the unit sphere, evaluated by the experiment's own model and data, and
// the trajectories of its runs read from their checkpoints (params_<iteration>.npy, the three
// coordinates). Writes sphere_map.csv (theta, phi, x, y, z, loss), sphere_trajectories.csv (lr,
// iteration, x, y, z) and sphere_map.json; the gnuplot report draws them as the paper's first figure.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <string>

namespace thermo::sphere_map {

[[nodiscard]] ParamSchema schema();

class SphereMapAnalysis final : public Analysis {
 public:
  explicit SphereMapAnalysis(const Params& params);
  void run(const AnalysisContext& context) override;

 private:
  std::int64_t resolution_;
  std::string lr_key_;
};

}  // namespace thermo::sphere_map
