#pragma once
// The temperature along training at one LR (docs/method.md §7 step 7, for OP models): over the last
// `points` log points of a run (those up to `last_iteration` when set), U and S optionally smoothed
// by a Gaussian of width `smoothing` in ln(iteration), T_t = (U_{t+o} − U_{t−o}) / (S_{t+o} − S_{t−o})
// with o = `offset` log points, against the iteration of t. Writes temperature_decay.csv (lr,
// iteration, T) and temperature_decay.json.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace thermo::temperature_decay {

[[nodiscard]] ParamSchema schema();

class TemperatureDecayAnalysis final : public Analysis {
 public:
  explicit TemperatureDecayAnalysis(const Params& params);
  void run(const AnalysisContext& context) override;

 private:
  std::optional<double> rate_;  // `lr`; nullopt: the `count` smallest LRs
  std::int64_t count_;
  std::int64_t points_;
  std::int64_t offset_;
  double smoothing_;
  std::optional<std::int64_t> last_iteration_;
  std::string loss_column_;
  std::string entropy_column_;
  std::string lr_key_;
};

}  // namespace thermo::temperature_decay
