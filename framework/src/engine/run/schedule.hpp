#pragma once
// The iterations at which a run logs or checkpoints, from a ScheduleSpec and the run length.

#include "config/pipeline.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace thermo::engine {

enum class ScheduleRole { log, checkpoint };

// Sorted, unique iterations in [0, total_iterations]. `paper` means, for logging,
// {0..9} ∪ int(logspace(1, log10 T, 193)) and, for checkpoints, {0} ∪ int(logspace(4, log10 T, 9)).
[[nodiscard]] std::vector<std::int64_t> schedule_iterations(const ScheduleSpec& spec, std::int64_t total_iterations,
                                                            ScheduleRole role);

// Walks a schedule in order: is `iteration` in it, and which is the next one at or after it.
class ScheduleCursor {
 public:
  explicit ScheduleCursor(std::vector<std::int64_t> iterations) : iterations_(std::move(iterations)) {}
  // The first scheduled iteration >= iteration, or -1 when none is left.
  [[nodiscard]] std::int64_t next_at_or_after(std::int64_t iteration);
  [[nodiscard]] bool contains(std::int64_t iteration) { return next_at_or_after(iteration) == iteration; }
  // The same answer without moving the cursor (a binary search), for const callers.
  [[nodiscard]] bool includes(std::int64_t iteration) const {
    return std::binary_search(iterations_.begin(), iterations_.end(), iteration);
  }
  [[nodiscard]] const std::vector<std::int64_t>& iterations() const { return iterations_; }

 private:
  std::vector<std::int64_t> iterations_;
  std::size_t position_ = 0;  // iterations only move forward, so the search resumes here
};

}  // namespace thermo::engine
