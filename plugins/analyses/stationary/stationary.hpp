#pragma once
// Stationary values per learning rate (docs/method.md §7 step 1): for every completed run of a sweep, the mean
// and population standard deviation of each metric over the last `window` log points (those up to
// `last_iteration` when set). Writes stationary.csv (one row per run, ascending LR) and
// stationary.json.

#include <thermo/analysis.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace thermo::stationary {

[[nodiscard]] ParamSchema schema();

// Whether a metrics column is summarised: every column except the iteration counter, wall-time
// columns (`seconds`, `time`, `wall_time`, `elapsed`, anything ending in `_seconds`) and a column
// named `lr` (the output's own first column).
[[nodiscard]] bool is_summarised_column(const std::string& name);

class StationaryAnalysis final : public Analysis {
 public:
  explicit StationaryAnalysis(const Params& params);
  void run(const AnalysisContext& context) override;

 private:
  std::int64_t window_;
  std::optional<std::int64_t> last_iteration_;
  std::string lr_key_;
};

}  // namespace thermo::stationary
