// sphere_sgd on the cpu backend against float64 formulas written here: the projected step
// (w − lr·g, then one rescale to the radius), the geodesic step (the exponential map of the sphere
// of radius p), lr = elr·p², the frozen tail never touched, and the plugin's factory.
#include "sphere_sgd.hpp"
#include "plugins_for_tests.hpp"

#include <thermo/error.hpp>
#include <thermo/plugin.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

namespace {

using thermo::DType;
using thermo::sphere_sgd::Settings;
using thermo::sphere_sgd::SphereSgd;

thermo::Backend& backend() {
  static const auto instance = thermo::testing::make_backend("cpu", 1);
  return *instance;
}

// Parameters (5 scale-invariant values, then 2 frozen ones) and a gradient of the same layout.
const std::vector<double> kParameters = {0.3, -1.2, 0.7, 0.25, -0.4, 5.0, -6.0};
const std::vector<double> kGradient = {0.9, 0.1, -0.5, 0.35, 0.6, 3.0, 4.0};
constexpr std::size_t kScaleInvariant = 5;

double norm(const std::vector<double>& x, std::size_t count) {
  double squared = 0.0;
  for (std::size_t i = 0; i < count; ++i) squared += x[i] * x[i];
  return std::sqrt(squared);
}

// Runs one step of `optimizer` on buffers of `dtype` and returns the parameters as doubles.
std::vector<double> step(thermo::Optimizer& optimizer, const std::vector<double>& parameters, DType dtype) {
  auto weights = backend().allocate(parameters.size(), dtype);
  auto gradient = backend().allocate(parameters.size(), dtype);
  const auto upload = [&](const std::vector<double>& values, thermo::DeviceBuffer& buffer) {
    if (dtype == DType::f64) {
      backend().upload(values.data(), buffer.view());
    } else {
      const std::vector<float> narrow(values.begin(), values.end());
      backend().upload(narrow.data(), buffer.view());
    }
  };
  upload(parameters, *weights);
  upload(kGradient, *gradient);
  optimizer.step(backend(), weights->view(), gradient->view(), kScaleInvariant);
  std::vector<double> result(parameters.size());
  if (dtype == DType::f64) {
    backend().download(weights->view(), result.data());
  } else {
    std::vector<float> narrow(parameters.size());
    backend().download(weights->view(), narrow.data());
    result.assign(narrow.begin(), narrow.end());
  }
  return result;
}

// The parameters with their scale-invariant part rescaled to norm `radius`.
std::vector<double> on_sphere(double radius) {
  auto x = kParameters;
  const double factor = radius / norm(x, kScaleInvariant);
  for (std::size_t i = 0; i < kScaleInvariant; ++i) x[i] *= factor;
  return x;
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(tolerance));
  }
}

// One float64 step's result: `expected` within `tolerance`, the scale-invariant part on the sphere
// of `radius`, the frozen tail untouched.
void check_step(const std::vector<double>& result, const std::vector<double>& expected, double radius,
                double tolerance) {
  check_close(result, expected, tolerance);
  CHECK(norm(result, kScaleInvariant) == doctest::Approx(radius).epsilon(1e-15));
  CHECK(result[5] == kParameters[5]);
  CHECK(result[6] == kParameters[6]);
}

}  // namespace

TEST_CASE("sphere_sgd: lr = elr·radius²") {
  CHECK(SphereSgd(Settings{0.03, 2.0, false}).learning_rate() == doctest::Approx(0.12));
  CHECK(SphereSgd(Settings{0.5, 1.0, true}).learning_rate() == 0.5);
}

TEST_CASE("sphere_sgd: the projected step is w − lr·g rescaled to the radius; the frozen tail is untouched") {
  const double radius = 2.0;
  const double elr = 0.03;
  const double lr = elr * radius * radius;
  const auto start = on_sphere(radius);
  auto expected = start;
  for (std::size_t i = 0; i < kScaleInvariant; ++i) expected[i] -= lr * kGradient[i];
  const double factor = radius / norm(expected, kScaleInvariant);
  for (std::size_t i = 0; i < kScaleInvariant; ++i) expected[i] *= factor;

  SphereSgd optimizer(Settings{elr, radius, false});
  check_step(step(optimizer, start, DType::f64), expected, radius, 1e-14);
  // float32 buffers: the same step to float32 precision.
  check_close(step(optimizer, start, DType::f32), expected, 2e-6);
}

TEST_CASE("sphere_sgd: the geodesic step follows the great circle of the tangent gradient") {
  const double radius = 1.5;
  const double elr = 0.4;
  const double lr = elr * radius * radius;
  const auto x = on_sphere(radius);
  // Tangent direction t = −(g − (g·x̂)x̂), angle θ = lr·‖t‖/p, x' = x·cos θ + p·(t/‖t‖)·sin θ.
  double along = 0.0;
  for (std::size_t i = 0; i < kScaleInvariant; ++i) along += kGradient[i] * x[i] / radius;
  std::vector<double> tangent(kScaleInvariant);
  for (std::size_t i = 0; i < kScaleInvariant; ++i) tangent[i] = -(kGradient[i] - along * x[i] / radius);
  const double tangent_norm = norm(tangent, kScaleInvariant);
  const double theta = lr * tangent_norm / radius;
  auto expected = x;
  for (std::size_t i = 0; i < kScaleInvariant; ++i) {
    expected[i] = x[i] * std::cos(theta) + radius * tangent[i] / tangent_norm * std::sin(theta);
  }

  SphereSgd optimizer(Settings{elr, radius, true});
  const auto wide = step(optimizer, x, DType::f64);
  check_step(wide, expected, radius, 1e-13);
  // The angle between x and x' is θ: the step moved exactly lr·‖t‖ along the sphere.
  double dot = 0.0;
  for (std::size_t i = 0; i < kScaleInvariant; ++i) dot += x[i] * wide[i];
  CHECK(std::acos(dot / (radius * radius)) == doctest::Approx(theta).epsilon(1e-10));
  check_close(step(optimizer, x, DType::f32), expected, 2e-6);
  // A small geodesic step agrees with the projected one to second order in lr.
  SphereSgd small_geodesic(Settings{1e-4, radius, true});
  SphereSgd small_projected(Settings{1e-4, radius, false});
  const auto a = step(small_geodesic, x, DType::f64);
  const auto b = step(small_projected, x, DType::f64);
  for (std::size_t i = 0; i < kScaleInvariant; ++i) CHECK(std::abs(a[i] - b[i]) < 1e-6);
}

TEST_CASE("sphere_sgd: a gradient along x leaves the point where it is (geodesic)") {
  const auto x = on_sphere(1.0);
  auto weights = backend().allocate(x.size(), DType::f64);
  auto gradient = backend().allocate(x.size(), DType::f64);
  backend().upload(x.data(), weights->view());
  std::vector<double> radial = x;
  for (auto& value : radial) value *= 3.0;
  backend().upload(radial.data(), gradient->view());
  SphereSgd optimizer(Settings{0.2, 1.0, true});
  optimizer.step(backend(), weights->view(), gradient->view(), kScaleInvariant);
  std::vector<double> result(x.size());
  backend().download(weights->view(), result.data());
  check_close(result, x, 1e-15);
}

TEST_CASE("sphere_sgd: initialize rescales the scale-invariant part to the radius; no such part is an error") {
  auto weights = backend().allocate(kParameters.size(), DType::f64);
  backend().upload(kParameters.data(), weights->view());
  SphereSgd optimizer(Settings{0.1, 3.0, false});
  optimizer.initialize(backend(), weights->view(), kScaleInvariant);
  std::vector<double> result(kParameters.size());
  backend().download(weights->view(), result.data());
  check_close(result, on_sphere(3.0), 1e-15);
  CHECK_THROWS_AS(optimizer.initialize(backend(), weights->view(), 0), thermo::UserError);
}

TEST_CASE("sphere_sgd: the plugin's factory reads elr, radius and geodesic") {
  const auto& plugin =
      thermo::testing::load_plugin<thermo::OptimizerPlugin>(thermo::PluginKind::optimizer, "sphere_sgd");
  const auto optimizer = plugin.create(
      thermo::testing::params_with(plugin.schema(), {{"elr", 0.03}, {"radius", 2.0}, {"geodesic", true}}));
  CHECK(optimizer->learning_rate() == doctest::Approx(0.12));
  SphereSgd direct(Settings{0.03, 2.0, true});
  check_close(step(*optimizer, on_sphere(2.0), DType::f64), step(direct, on_sphere(2.0), DType::f64), 1e-15);
}
