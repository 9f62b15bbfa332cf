#include "run/schedule.hpp"

#include "util/numpy_spaces.hpp"

#include <algorithm>
#include <cmath>

namespace thermo::engine {
namespace {
void add_log_range(std::vector<std::int64_t>& iterations, double log_start, std::int64_t points,
                   std::int64_t total_iterations) {
  if (points <= 0 || total_iterations <= 0) return;
  // int() of numpy's float64 values: truncation toward zero.
  for (double value : logspace(log_start, std::log10(static_cast<double>(total_iterations)), points)) {
    iterations.push_back(static_cast<std::int64_t>(value));
  }
}
}  // namespace

std::vector<std::int64_t> schedule_iterations(const ScheduleSpec& spec, std::int64_t total_iterations,
                                              ScheduleRole role) {
  std::vector<std::int64_t> iterations;
  switch (spec.kind) {
    case ScheduleSpec::Kind::none: break;
    case ScheduleSpec::Kind::paper:
      if (role == ScheduleRole::log) {
        for (std::int64_t i = 0; i < 10; ++i) iterations.push_back(i);
        add_log_range(iterations, 1.0, 193, total_iterations);
      } else {
        iterations.push_back(0);
        add_log_range(iterations, 4.0, 9, total_iterations);
      }
      break;
    case ScheduleSpec::Kind::every:
      for (std::int64_t i = 0; i <= total_iterations; i += std::max<std::int64_t>(spec.every, 1)) {
        iterations.push_back(i);
      }
      iterations.push_back(total_iterations);
      break;
    case ScheduleSpec::Kind::list: iterations = spec.iterations; break;
    case ScheduleSpec::Kind::log_range:
      for (std::int64_t i = spec.first_begin; i <= spec.first_end; ++i) iterations.push_back(i);
      add_log_range(iterations, spec.log_start, spec.log_points, total_iterations);
      break;
  }
  std::erase_if(iterations, [&](std::int64_t i) { return i < 0 || i > total_iterations; });
  std::sort(iterations.begin(), iterations.end());
  iterations.erase(std::unique(iterations.begin(), iterations.end()), iterations.end());
  return iterations;
}

std::int64_t ScheduleCursor::next_at_or_after(std::int64_t iteration) {
  if (position_ > 0 && iterations_[position_ - 1] >= iteration) position_ = 0;  // moved backwards: rescan
  while (position_ < iterations_.size() && iterations_[position_] < iteration) ++position_;
  return position_ < iterations_.size() ? iterations_[position_] : -1;
}

}  // namespace thermo::engine
