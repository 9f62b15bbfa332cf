#include "../sphere_toy.hpp"

#include <doctest/doctest.h>

#include <cmath>

using thermo::sphere_toy::minimum_mean_loss;
using thermo::sphere_toy::sample_loss;
using thermo::sphere_toy::Vector3;

namespace {
Vector3 normalised(Vector3 v) {
  const double norm = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return {v[0] / norm, v[1] / norm, v[2] / norm};
}
}  // namespace

TEST_CASE("the toy loss gradient matches float64 central differences") {
  const Vector3 a = normalised({1.0, 0.0, 0.2});
  const Vector3 x{-0.8, 0.6, 0.1};
  Vector3 gradient{};
  sample_loss(x, a, &gradient);
  const double h = 1e-6;
  for (int i = 0; i < 3; ++i) {
    Vector3 plus = x, minus = x;
    plus[i] += h;
    minus[i] -= h;
    const double numeric = (sample_loss(plus, a, nullptr) - sample_loss(minus, a, nullptr)) / (2 * h);
    CHECK(gradient[i] == doctest::Approx(numeric).epsilon(1e-8));
  }
}

TEST_CASE("the toy loss is scale-invariant and its gradient is tangent") {
  const Vector3 a = normalised({-0.5, std::sqrt(3.0) / 2, 0.2});
  const Vector3 x{0.3, -0.4, 0.7};
  Vector3 gradient{};
  const double loss = sample_loss(x, a, &gradient);
  CHECK(sample_loss({3 * x[0], 3 * x[1], 3 * x[2]}, a, nullptr) == doctest::Approx(loss).epsilon(1e-15));
  CHECK(std::abs(gradient[0] * x[0] + gradient[1] * x[1] + gradient[2] * x[2]) < 1e-15);
}

TEST_CASE("the minimum of the mean loss: OP is zero at ±e_z, UP is 0.04/1.04") {
  const double half_root3 = std::sqrt(3.0) / 2;
  const std::vector<Vector3> op{{half_root3, 0.5, 0.0}, {half_root3, -0.5, 0.0}};
  CHECK(minimum_mean_loss(op) == doctest::Approx(0.0).epsilon(1e-15));
  const std::vector<Vector3> up{normalised({1.0, 0.0, 0.2}), normalised({-0.5, half_root3, 0.2}),
                                normalised({-0.5, -half_root3, 0.2})};
  CHECK(minimum_mean_loss(up) == doctest::Approx(0.04 / 1.04).epsilon(1e-12));
  // Brute force over the sphere as an independent check of the eigenvalue formula.
  double brute = 1.0;
  for (int i = 0; i <= 400; ++i) {
    for (int j = 0; j <= 800; ++j) {
      const double theta = M_PI * i / 400, phi = 2 * M_PI * j / 800;
      const Vector3 x{std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
      double mean = 0;
      for (const auto& a : up) mean += sample_loss(x, a, nullptr) / 3;
      brute = std::min(brute, mean);
    }
  }
  CHECK(brute >= 0.04 / 1.04 - 1e-12);
  CHECK(brute == doctest::Approx(0.04 / 1.04).epsilon(1e-6));
}
