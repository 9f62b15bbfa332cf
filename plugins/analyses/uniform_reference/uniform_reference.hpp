#pragma once
// The paper's dashed "uniform" lines (docs/method.md §6): for each distinct model of an experiment, the kNN
// entropy of N points uniform on the sphere of its SI dimension and the training loss of uniformly
// random SI weight vectors. Writes analysis/uniform.json and a `uniform` entry in each run's
// summary.json.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>
#include <thermo/uniform_sphere.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace thermo::uniform_reference {

struct Settings {
  std::int64_t points = 1000;  // N
  std::int64_t repeats = 10;
  std::vector<std::int64_t> ks;
  std::int64_t loss_samples = 100;  // 0: no loss reference
  UniformSphereMethod method = UniformSphereMethod::wishart;
  std::int64_t chunk = 1024;
};

[[nodiscard]] ParamSchema schema();
[[nodiscard]] Settings settings_from(const Params& params);

// Mean and population std of the mean training loss (training-mode batch norm, chunks of `chunk`)
// over `samples` SI weight vectors drawn uniformly on the sphere of radius `radius` (Gaussian, then
// rescaled); the rest of the parameters stay as they are. Overwrites the SI parameters.
struct LossReference {
  double mean = 0.0;
  double std_dev = 0.0;
};
[[nodiscard]] LossReference uniform_loss(ModelResources& resources, std::int64_t samples, std::int64_t chunk, Rng& rng);

class UniformReferenceAnalysis final : public Analysis {
 public:
  explicit UniformReferenceAnalysis(Settings settings) : settings_(std::move(settings)) {}
  void run(const AnalysisContext& context) override;

 private:
  Settings settings_;
};

}  // namespace thermo::uniform_reference
