#include "sphere_sgd.hpp"

#include <thermo/error.hpp>

#include <cmath>

namespace thermo::sphere_sgd {

void SphereSgd::rescale_to_radius(Backend& backend, VectorView weights) const {
  // On the backend (no host round trip on a device); a zero or non-finite norm means the run
  // diverged, and the values are left for the engine to see.
  backend.scale_to_norm(settings_.radius, weights);
}

void SphereSgd::initialize(Backend& backend, VectorView parameters, std::size_t scale_invariant_count) {
  if (scale_invariant_count == 0) throw UserError("sphere_sgd: the model has no scale-invariant parameters");
  rescale_to_radius(backend, parameters.slice(0, scale_invariant_count));
}

void SphereSgd::step(Backend& backend, VectorView parameters, ConstVectorView gradient,
                     std::size_t scale_invariant_count) {
  VectorView weights = parameters.slice(0, scale_invariant_count);
  ConstVectorView weight_gradient = gradient.slice(0, scale_invariant_count);
  const double lr = learning_rate();
  if (!settings_.geodesic) {
    backend.axpy(-lr, weight_gradient, weights);
    rescale_to_radius(backend, weights);
    return;
  }
  // Exponential map on the sphere of radius p: with the tangent direction t = −(g − (g·x̂)x̂),
  // x ← x·cos θ + p·(t/‖t‖)·sin θ, θ = lr·‖t‖/p.
  const double p = settings_.radius;
  const double along = backend.dot(weight_gradient, weights) / (p * p);
  const double gradient_squared = backend.squared_norm(weight_gradient);
  const double tangent_squared = gradient_squared - along * along * p * p;
  const double tangent_norm = tangent_squared > 0.0 ? std::sqrt(tangent_squared) : 0.0;
  if (tangent_norm == 0.0 || !std::isfinite(tangent_norm)) {
    if (!std::isfinite(tangent_norm)) backend.axpy(-lr, weight_gradient, weights);  // let divergence show
    return;
  }
  const double theta = lr * tangent_norm / p;
  // x_new = x·cos θ − (p sin θ/‖t‖)·(g − along·x) = x·(cos θ + c·along) − c·g, c = p sin θ/‖t‖
  const double c = p * std::sin(theta) / tangent_norm;
  backend.scale(std::cos(theta) + c * along, weights);
  backend.axpy(-c, weight_gradient, weights);
  rescale_to_radius(backend, weights);  // removes the rounding drift off the sphere
}

}  // namespace thermo::sphere_sgd
