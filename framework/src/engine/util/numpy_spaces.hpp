#pragma once
// numpy's linspace and logspace, computed the way numpy computes them (y_i = i·step + start,
// the last point set to stop), so that schedules and LR grids equal the reference's values.

#include <cstdint>
#include <vector>

namespace thermo::engine {

[[nodiscard]] std::vector<double> linspace(double start, double stop, std::int64_t num, bool endpoint = true);
[[nodiscard]] std::vector<double> logspace(double start, double stop, std::int64_t num, bool endpoint = true,
                                           double base = 10.0);

}  // namespace thermo::engine
