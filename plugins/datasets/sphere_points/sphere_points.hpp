#pragma once
// The toy problem's data (docs/method.md §8): a few unit vectors a_i in R^3 (float64), one per "sample",
// no labels, no test split. Presets: OP (a zero-loss point exists) and UP (none); custom vectors.

#include <thermo/dataset.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace thermo::sphere_points {

using Vector3 = std::array<double, 3>;

// OP: a1 = (√3/2, 1/2, 0), a2 = (√3/2, −1/2, 0), as written (already unit vectors).
[[nodiscard]] std::vector<Vector3> op_vectors();
// UP: (1, 0, 0.2), (−1/2, √3/2, 0.2), (−1/2, −√3/2, 0.2), each divided by its norm.
[[nodiscard]] std::vector<Vector3> up_vectors();
// Custom vectors, each divided by its norm; UserError for an empty list, a row that is not 3-D,
// or a zero or non-finite row.
[[nodiscard]] std::vector<Vector3> custom_vectors(const std::vector<std::vector<double>>& rows);

// The data set: channels 3, height 1, width 1, classes 0, f64; the test split is empty.
[[nodiscard]] std::unique_ptr<Dataset> make_sphere_points(const std::vector<Vector3>& vectors);

}  // namespace thermo::sphere_points
