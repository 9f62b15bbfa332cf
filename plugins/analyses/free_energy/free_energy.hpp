#pragma once
// Free-energy curves (docs/method.md §7 step 6): for chosen rows i of temperature.csv, F_i(η') = Ũ(η') −
// T_i·S̃(η') over every η' of the temperature range, and whether each curve's minimum sits at η_i.
// Writes free_energy.csv (long format: lr_i, T_i, lr, F) and free_energy.json.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace thermo::free_energy {

[[nodiscard]] ParamSchema schema();

class FreeEnergyAnalysis final : public Analysis {
 public:
  explicit FreeEnergyAnalysis(const Params& params);
  void run(const AnalysisContext& context) override;

 private:
  std::optional<std::vector<double>> rates_;          // `lrs`
  std::optional<std::vector<std::int64_t>> indices_;  // `indices`
};

}  // namespace thermo::free_energy
