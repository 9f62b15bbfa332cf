#pragma once
// Projected SGD on the sphere (docs/method.md §2): plain SGD on the scale-invariant part with
// lr = elr·radius², then one common rescale so that ‖w_SI‖ = radius. Frozen parameters (after the
// SI part) are never touched. Option `geodesic`: the exact exponential-map step instead.

#include <thermo/optimizer.hpp>

namespace thermo::sphere_sgd {

struct Settings {
  double elr = 0.01;
  double radius = 1.0;
  bool geodesic = false;
};

class SphereSgd final : public Optimizer {
 public:
  explicit SphereSgd(Settings settings) : settings_(settings) {}

  [[nodiscard]] double learning_rate() const override { return settings_.elr * settings_.radius * settings_.radius; }
  void initialize(Backend& backend, VectorView parameters, std::size_t scale_invariant_count) override;
  void step(Backend& backend, VectorView parameters, ConstVectorView gradient,
            std::size_t scale_invariant_count) override;

 private:
  void rescale_to_radius(Backend& backend, VectorView weights) const;
  Settings settings_;
};

}  // namespace thermo::sphere_sgd
