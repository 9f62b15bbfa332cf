#include "sphere_points.hpp"

#include <thermo/error.hpp>
#include <thermo/image_data.hpp>

#include <fmt/format.h>

#include <cmath>

namespace thermo::sphere_points {
namespace {

Vector3 normalised(const Vector3& vector) {
  const double norm = std::sqrt(vector[0] * vector[0] + vector[1] * vector[1] + vector[2] * vector[2]);
  return {vector[0] / norm, vector[1] / norm, vector[2] / norm};
}

}  // namespace

std::vector<Vector3> op_vectors() {
  const double half_sqrt3 = std::sqrt(3.0) / 2.0;
  return {{half_sqrt3, 0.5, 0.0}, {half_sqrt3, -0.5, 0.0}};
}

std::vector<Vector3> up_vectors() {
  const double half_sqrt3 = std::sqrt(3.0) / 2.0;
  return {normalised({1.0, 0.0, 0.2}), normalised({-0.5, half_sqrt3, 0.2}), normalised({-0.5, -half_sqrt3, 0.2})};
}

std::vector<Vector3> custom_vectors(const std::vector<std::vector<double>>& rows) {
  if (rows.empty()) {
    throw UserError(
        "sphere_points: `vectors` is empty; preset custom needs at least one 3-D vector, e.g. "
        "vectors: [[1, 0, 0], [0, 1, 0]]");
  }
  std::vector<Vector3> vectors;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    if (row.size() != 3) {
      throw UserError(
          fmt::format("sphere_points: vectors[{}] has {} components, but the toy problem's vectors are "
                      "3-D: give exactly 3 numbers per vector",
                      i, row.size()));
    }
    const Vector3 vector{row[0], row[1], row[2]};
    // The squared norm must be positive and finite: components beyond ~1e154 overflow it.
    const double squared = vector[0] * vector[0] + vector[1] * vector[1] + vector[2] * vector[2];
    if (!(squared > 0.0) || !std::isfinite(squared)) {
      throw UserError(
          fmt::format("sphere_points: vectors[{}] = [{}, {}, {}] cannot be normalised to unit length: "
                      "give a non-zero vector with finite components below 1e150 in magnitude",
                      i, row[0], row[1], row[2]));
    }
    vectors.push_back(normalised(vector));
  }
  return vectors;
}

std::unique_ptr<Dataset> make_sphere_points(const std::vector<Vector3>& vectors) {
  DatasetInfo info;
  info.name = "sphere_points";
  info.channels = 3;
  info.height = 1;
  info.width = 1;
  info.classes = 0;
  info.dtype = DType::f64;
  DataSplit train;
  train.size = static_cast<std::int64_t>(vectors.size());
  for (const auto& vector : vectors) train.samples_f64.insert(train.samples_f64.end(), vector.begin(), vector.end());
  return std::make_unique<InMemoryDataset>(std::move(info), std::move(train), DataSplit{});
}

}  // namespace thermo::sphere_points
