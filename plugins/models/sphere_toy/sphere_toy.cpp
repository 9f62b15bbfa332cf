#include "sphere_toy.hpp"

#include <thermo/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace thermo::sphere_toy {

double sample_loss(const Vector3& x, const Vector3& a, Vector3* gradient) {
  const double squared_norm = x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
  const double projection = x[0] * a[0] + x[1] * a[1] + x[2] * a[2];
  const double loss = projection * projection / squared_norm;
  if (gradient != nullptr) {
    for (int i = 0; i < 3; ++i) {
      (*gradient)[i] = 2.0 * projection * a[i] / squared_norm - 2.0 * loss * x[i] / squared_norm;
    }
  }
  return loss;
}

double minimum_mean_loss(const std::vector<Vector3>& vectors) {
  // Eigenvalues of the symmetric 3×3 matrix A = (1/n)·Σ a aᵀ in closed form (trigonometric method).
  double m[3][3] = {};
  for (const auto& a : vectors) {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) m[i][j] += a[i] * a[j] / static_cast<double>(vectors.size());
    }
  }
  const double off = m[0][1] * m[0][1] + m[0][2] * m[0][2] + m[1][2] * m[1][2];
  if (off == 0.0) return std::min({m[0][0], m[1][1], m[2][2]});
  const double q = (m[0][0] + m[1][1] + m[2][2]) / 3.0;
  const double p2 = (m[0][0] - q) * (m[0][0] - q) + (m[1][1] - q) * (m[1][1] - q) + (m[2][2] - q) * (m[2][2] - q) +
                    2.0 * off;
  const double p = std::sqrt(p2 / 6.0);
  double b[3][3];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) b[i][j] = (m[i][j] - (i == j ? q : 0.0)) / p;
  }
  const double determinant = b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
                             b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
                             b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
  const double r = std::clamp(determinant / 2.0, -1.0, 1.0);
  const double phi = std::acos(r) / 3.0;
  // The smallest of the three eigenvalues q + 2p·cos(phi + 2πk/3).
  return q + 2.0 * p * std::cos(phi + 2.0 * std::numbers::pi / 3.0);
}

SphereToy::SphereToy(Backend& backend, const DataSplit& data, const Vector3& start) {
  if (data.size < 1 || data.samples_f64.size() != static_cast<std::size_t>(data.size) * 3) {
    throw UserError("sphere_toy: the data set must hold 3-D float64 vectors (use the sphere_points data set)");
  }
  for (std::int64_t i = 0; i < data.size; ++i) {
    const auto offset = static_cast<std::size_t>(i) * 3;
    vectors_.push_back({data.samples_f64[offset], data.samples_f64[offset + 1], data.samples_f64[offset + 2]});
  }
  parameters_ = backend.allocate(3, DType::f64);  // host memory, zero-filled
  gradients_ = backend.allocate(3, DType::f64);
  x_ = static_cast<double*>(parameters_->host_data());
  gradient_ = static_cast<double*>(gradients_->host_data());
  std::copy(start.begin(), start.end(), x_);
  layout_.push_back(ParameterBlock{"x", {3}, 0, 3, true, true});
  minimum_ = minimum_mean_loss(vectors_);
}

LossValue SphereToy::evaluate_batch(const Batch& batch, Mode /*mode*/, bool want_gradient) {
  const Vector3 x{x_[0], x_[1], x_[2]};
  Vector3 total_gradient{};
  LossValue value;
  for (std::int32_t index : batch.indices) {
    Vector3 gradient{};
    value.sum += sample_loss(x, vectors_.at(static_cast<std::size_t>(index)), want_gradient ? &gradient : nullptr);
    for (int i = 0; i < 3; ++i) total_gradient[i] += gradient[i];
  }
  value.count = static_cast<std::int64_t>(batch.indices.size());
  if (want_gradient) {
    for (int i = 0; i < 3; ++i) gradient_[i] = total_gradient[i] / static_cast<double>(value.count);
  }
  return value;
}

void SphereToy::save_state(StateArchive& archive, const std::string& prefix) const {
  archive.put_vector<double>(prefix + "x", std::span<const double>(x_, 3));
}

void SphereToy::load_state(const StateArchive& archive, const std::string& prefix) {
  const auto x = archive.get_vector<double>(prefix + "x");
  if (x.size() != 3) throw UserError("run state: sphere_toy expects 3 parameters");
  std::copy(x.begin(), x.end(), x_);
}

}  // namespace thermo::sphere_toy
