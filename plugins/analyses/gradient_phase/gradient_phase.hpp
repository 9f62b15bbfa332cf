#pragma once
// The gradient phase (docs/method.md §7 step 8, for OP models): runs are grouped by the value of
// `group_key` (the subset size samples_per_label), one run per group at the chosen LR (`lr`, or the
// `lr_rank`-th smallest of the group: the reference takes the second-smallest for ResNet-18); over
// its log points with `min_iteration` <= iteration <= `max_iteration`, least squares of ln(stoch_grad_mean_norm) on
// ln(full_grad_norm) gives k and b per group. Writes gradient_phase.csv (group, iteration,
// full_grad_norm, stoch_grad_mean_norm) and gradient_phase.json.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace thermo::gradient_phase {

[[nodiscard]] ParamSchema schema();

class GradientPhaseAnalysis final : public Analysis {
 public:
  explicit GradientPhaseAnalysis(const Params& params);
  void run(const AnalysisContext& context) override;

 private:
  std::int64_t min_iteration_;
  std::optional<std::int64_t> max_iteration_;
  std::optional<double> rate_;  // `lr`; nullopt: the `lr_rank`-th smallest LR of each group
  std::int64_t rank_;
  std::string group_key_;
  std::vector<std::string> sweeps_;
  std::string lr_key_;
};

}  // namespace thermo::gradient_phase
