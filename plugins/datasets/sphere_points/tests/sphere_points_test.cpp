// The toy problem's vectors: the exact presets, normalisation of custom vectors, the data set's
// shape, and the parameter errors.
#include "../sphere_points.hpp"
#include "../sphere_points_plugin.hpp"
#include "plugins_for_tests.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

using namespace thermo;
using namespace thermo::sphere_points;

namespace {

std::unique_ptr<Dataset> make(const std::map<std::string, ParamValue>& overrides) {
  const SpherePointsPlugin plugin;
  return plugin.create(thermo::testing::params_with(plugin.schema(), overrides));
}

std::string create_error(const std::map<std::string, ParamValue>& overrides) {
  try {
    (void)make(overrides);
  } catch (const UserError& error) {
    return error.what();
  }
  return "(no error)";
}

// v / |v| in long double, the reference for the float64 normalisation.
std::array<long double, 3> reference_unit(long double x, long double y, long double z) {
  const long double norm = std::sqrt(x * x + y * y + z * z);
  return {x / norm, y / norm, z / norm};
}

void check_unit_close(const double* value, const std::array<long double, 3>& reference) {
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(std::abs(static_cast<long double>(value[i]) - reference[i]) < 4e-16L);
  }
}

}  // namespace

TEST_CASE("sphere_points: the OP preset, exact constants, float64, no labels, no test split") {
  const auto dataset = make({});  // preset op is the default
  const auto& info = dataset->info();
  CHECK(info.name == "sphere_points");
  CHECK(info.channels == 3);
  CHECK(info.height == 1);
  CHECK(info.width == 1);
  CHECK(info.classes == 0);
  CHECK(info.dtype == DType::f64);
  const auto& train = dataset->split(Split::train);
  REQUIRE(train.size == 2);
  REQUIRE(train.samples_f64.size() == 6);
  CHECK(train.samples_f32.empty());
  CHECK(train.labels.empty());
  const double half_sqrt3 = std::sqrt(3.0) / 2.0;
  CHECK(train.samples_f64 == std::vector<double>{half_sqrt3, 0.5, 0.0, half_sqrt3, -0.5, 0.0});
  const auto& test = dataset->split(Split::test);
  CHECK(test.size == 0);
  CHECK(test.samples_f64.empty());
}

TEST_CASE("sphere_points: the UP preset, each vector normalised") {
  const auto dataset = make({{"preset", std::string("up")}});
  const auto& train = dataset->split(Split::train);
  REQUIRE(train.size == 3);
  const long double half_sqrt3 = std::sqrt(3.0L) / 2.0L;
  check_unit_close(&train.samples_f64[0], reference_unit(1.0L, 0.0L, 0.2L));
  check_unit_close(&train.samples_f64[3], reference_unit(-0.5L, half_sqrt3, 0.2L));
  check_unit_close(&train.samples_f64[6], reference_unit(-0.5L, -half_sqrt3, 0.2L));
  for (std::size_t i = 0; i < 3; ++i) {
    const double* v = &train.samples_f64[3 * i];
    CHECK(std::abs(std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) - 1.0) < 1e-15);
    CHECK(v[2] == doctest::Approx(0.2 / std::sqrt(1.04)).epsilon(1e-15));  // all three share the height
  }
}

TEST_CASE("sphere_points: custom vectors are normalised") {
  const auto dataset =
      make({{"preset", std::string("custom")},
            {"vectors", std::vector<std::vector<double>>{{3.0, 0.0, 4.0}, {0.0, -2.0, 0.0}, {1.0, 1.0, 1.0}}}});
  const auto& train = dataset->split(Split::train);
  REQUIRE(train.size == 3);
  CHECK(train.samples_f64[0] == 0.6);
  CHECK(train.samples_f64[1] == 0.0);
  CHECK(train.samples_f64[2] == 0.8);
  CHECK(train.samples_f64[3] == 0.0);
  CHECK(train.samples_f64[4] == -1.0);
  CHECK(train.samples_f64[5] == 0.0);
  check_unit_close(&train.samples_f64[6], reference_unit(1.0L, 1.0L, 1.0L));
}

TEST_CASE("sphere_points: parameter errors") {
  const SpherePointsPlugin plugin;
  const auto schema = plugin.schema();
  CHECK(schema.find("preset")->choices == std::vector<std::string>{"op", "up", "custom"});
  CHECK(schema.find("vectors")->nullable);

  CHECK(create_error({{"preset", std::string("custom")}}) ==
        "sphere_points: preset custom needs `vectors`, a list of 3-D vectors, e.g. vectors: [[1, 0, 0], [0, 1, 0]]");
  CHECK(create_error({{"vectors", std::vector<std::vector<double>>{{1.0, 0.0, 0.0}}}}) ==
        "sphere_points: `vectors` is only used with preset: custom, but preset is op; remove `vectors` or set preset: "
        "custom");
  CHECK(create_error({{"preset", std::string("custom")}, {"vectors", std::vector<std::vector<double>>{}}}) ==
        "sphere_points: `vectors` is empty; preset custom needs at least one 3-D vector, e.g. vectors: [[1, 0, 0], "
        "[0, 1, 0]]");
  CHECK(create_error({{"preset", std::string("custom")},
                      {"vectors", std::vector<std::vector<double>>{{1.0, 0.0, 0.0}, {1.0, 2.0}}}}) ==
        "sphere_points: vectors[1] has 2 components, but the toy problem's vectors are 3-D: give exactly 3 numbers per "
        "vector");
  CHECK(create_error(
            {{"preset", std::string("custom")}, {"vectors", std::vector<std::vector<double>>{{0.0, 0.0, 0.0}}}}) ==
        "sphere_points: vectors[0] = [0, 0, 0] cannot be normalised to unit length: give a non-zero vector with finite "
        "components below 1e150 in magnitude");
  CHECK(create_error(
            {{"preset", std::string("custom")}, {"vectors", std::vector<std::vector<double>>{{1e300, 1e300, 0.5}}}}) ==
        "sphere_points: vectors[0] = [1e+300, 1e+300, 0.5] cannot be normalised to unit length: give a non-zero vector "
        "with finite components below 1e150 in magnitude");
}

TEST_CASE("sphere_points: loads as a plugin library") {
  const auto& plugin =
      thermo::testing::load_plugin<thermo::DatasetPlugin>(thermo::PluginKind::dataset, "sphere_points");
  const auto dataset = plugin.create(thermo::testing::params_with(plugin.schema(), {{"preset", std::string("up")}}));
  CHECK(dataset->info().dtype == DType::f64);
  CHECK(dataset->split(Split::train).size == 3);
  CHECK_THROWS_AS(
      (void)plugin.create(thermo::testing::params_with(plugin.schema(), {{"preset", std::string("custom")}})),
      UserError);
}
