#pragma once
// The toy problem of docs/method.md §8: a point x in R^3 (float64, all of it scale-invariant) and the
// per-sample loss ℓ(x; a) = (x·a)²/‖x‖² over a data set of vectors a (the sphere_points data set).
// Computed on the host with any backend: its parameters and gradient are f64 vectors, which live in
// host memory (backend.hpp), and its data set's f64 vectors are read from the host copy.

#include <thermo/model.hpp>

#include <array>
#include <memory>
#include <vector>

namespace thermo::sphere_toy {

using Vector3 = std::array<double, 3>;

// ℓ and its gradient at x for one vector a: ∇ℓ = 2(x·a)a/‖x‖² − 2(x·a)²x/‖x‖⁴ (tangent to the sphere).
double sample_loss(const Vector3& x, const Vector3& a, Vector3* gradient);

// The smallest eigenvalue of (1/n)·Σ a aᵀ: the minimum of the mean loss over the unit sphere.
double minimum_mean_loss(const std::vector<Vector3>& vectors);

class SphereToy final : public Model {
 public:
  SphereToy(Backend& backend, const DataSplit& data, const Vector3& start);

  [[nodiscard]] const std::vector<ParameterBlock>& layout() const override { return layout_; }
  [[nodiscard]] std::size_t scale_invariant_count() const override { return 3; }
  [[nodiscard]] VectorView parameters() override { return parameters_->view(); }
  [[nodiscard]] VectorView gradients() override { return gradients_->view(); }
  LossValue evaluate_batch(const Batch& batch, Mode mode, bool want_gradient) override;
  [[nodiscard]] std::optional<double> known_minimum_loss() const override { return minimum_; }
  void save_state(StateArchive& archive, const std::string& prefix) const override;
  void load_state(const StateArchive& archive, const std::string& prefix) override;

 private:
  std::vector<Vector3> vectors_;
  std::unique_ptr<DeviceBuffer> parameters_;
  std::unique_ptr<DeviceBuffer> gradients_;
  double* x_ = nullptr;
  double* gradient_ = nullptr;
  std::vector<ParameterBlock> layout_;
  double minimum_ = 0.0;
};

}  // namespace thermo::sphere_toy
