// Vector ops on f32 views (backend memory) and f64 views (host memory, the SDK's own path): fill,
// copy with dtype conversion, axpy, scale, dot and squared norm (float64 accumulation), and the
// projection on the sphere (scale_to_norm).
#include "conformance_support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace thermo::conformance {
namespace {

constexpr std::size_t kSize = 100003;  // not a multiple of any block or vector width

double tolerance_for(DType dtype) {
  return dtype == DType::f32 ? 1e-7 : 1e-15;
}

std::vector<double> rounded(const std::vector<double>& values, DType dtype) {
  if (dtype == DType::f64) return values;
  std::vector<double> result(values.size());
  for (std::size_t index = 0; index < values.size(); ++index) result[index] = to_float(values[index]);
  return result;
}

TEST_CASE("vector ops: fill, copy (with dtype conversion), axpy and scale") {
  Random random(61);
  std::vector<double> x = random.normal(kSize);
  std::vector<double> y = random.normal(kSize);
  std::vector<double> x64(kSize);  // values that float32 cannot hold
  for (std::size_t index = 0; index < kSize; ++index) x64[index] = x[index] + 1e-9 * static_cast<double>(index % 7);
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    for (const DType dtype : {DType::f32, DType::f64}) {
      INFO("dtype " << std::string(to_string(dtype)));
      auto x_buffer = upload_vector(backend, x, dtype);
      auto y_buffer = upload_vector(backend, y, dtype);
      backend.fill(y_buffer->view(), 0.1);
      CHECK(download_vector(backend, y_buffer->view()) == std::vector<double>(kSize, rounded({0.1}, dtype)[0]));

      auto copy = backend.allocate(kSize, dtype);
      backend.copy(x_buffer->view(), copy->view());
      CHECK(download_vector(backend, copy->view()) == x);

      y_buffer = upload_vector(backend, y, dtype);
      backend.axpy(-0.37, x_buffer->view(), y_buffer->view());
      std::vector<double> expected(kSize);
      for (std::size_t index = 0; index < kSize; ++index) expected[index] = y[index] - 0.37 * x[index];
      check_close(download_vector(backend, y_buffer->view()), expected, tolerance_for(dtype), "axpy");

      backend.scale(2.5e-3, x_buffer->view());
      for (std::size_t index = 0; index < kSize; ++index) expected[index] = 2.5e-3 * x[index];
      check_close(download_vector(backend, x_buffer->view()), expected, tolerance_for(dtype), "scale");

      // A slice: only its elements change.
      auto sliced = upload_vector(backend, y, dtype);
      backend.fill(sliced->view().slice(5, 10), -1.0);
      auto after = download_vector(backend, sliced->view());
      CHECK(after[4] == y[4]);
      CHECK(after[5] == -1.0);
      CHECK(after[14] == -1.0);
      CHECK(after[15] == y[15]);
    }
    // f64 -> f32 rounds to nearest; f32 -> f64 is exact.
    auto wide = upload_vector(backend, x64, DType::f64);
    auto narrow = backend.allocate(kSize, DType::f32);
    backend.copy(wide->view(), narrow->view());
    CHECK(download_vector(backend, narrow->view()) == rounded(x64, DType::f32));
    auto back = backend.allocate(kSize, DType::f64);
    backend.copy(narrow->view(), back->view());
    CHECK(download_vector(backend, back->view()) == rounded(x64, DType::f32));
  }
}

TEST_CASE("vector ops: dot and squared_norm accumulate in float64") {
  Random random(62);
  // Large values whose float32 sum would lose the small ones: the float64 sum keeps them.
  std::vector<double> x = random.normal(kSize);
  std::vector<double> y = random.normal(kSize);
  x[0] = 4096.0;
  y[0] = 4096.0;
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    for (const DType dtype : {DType::f32, DType::f64}) {
      INFO("dtype " << std::string(to_string(dtype)));
      const auto x_buffer = upload_vector(backend, x, dtype);
      const auto y_buffer = upload_vector(backend, y, dtype);
      long double dot = 0.0L;
      long double norm = 0.0L;
      long double magnitude = 0.0L;
      for (std::size_t index = 0; index < kSize; ++index) {
        dot += static_cast<long double>(x[index]) * static_cast<long double>(y[index]);
        norm += static_cast<long double>(x[index]) * static_cast<long double>(x[index]);
        magnitude += std::abs(static_cast<long double>(x[index]) * static_cast<long double>(y[index]));
      }
      // Float64 accumulation: error ~1e-16 of Σ|x·y| per level of summation.
      const double dot_error = std::abs(backend.dot(x_buffer->view(), y_buffer->view()) - static_cast<double>(dot));
      CHECK(dot_error <= 1e-13 * static_cast<double>(magnitude));
      const double norm_error = std::abs(backend.squared_norm(x_buffer->view()) - static_cast<double>(norm));
      CHECK(norm_error <= 1e-13 * static_cast<double>(norm));
    }
  }
}

TEST_CASE("vector ops: scale_to_norm projects on the sphere, and leaves a zero or non-finite vector") {
  Random random(63);
  const std::vector<double> x = random.normal(kSize);
  long double norm = 0.0L;
  for (const double value : x) norm += static_cast<long double>(value) * static_cast<long double>(value);
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    for (const DType dtype : {DType::f32, DType::f64}) {
      INFO("dtype " << std::string(to_string(dtype)));
      auto buffer = upload_vector(backend, x, dtype);
      backend.scale_to_norm(3.5, buffer->view());
      std::vector<double> expected = rounded(x, dtype);
      const double factor = 3.5 / std::sqrt(static_cast<double>(norm));
      for (double& value : expected) value *= factor;
      // The norm of 1e5 values in float64 carries ~1e-15 relative rounding.
      check_close(download_vector(backend, buffer->view()), expected, dtype == DType::f32 ? 1e-7 : 1e-14,
                  "scale_to_norm");

      auto zero = backend.allocate(17, dtype);
      backend.scale_to_norm(1.0, zero->view());
      CHECK(download_vector(backend, zero->view()) == std::vector<double>(17, 0.0));
      std::vector<double> diverged(17, 1.0);
      diverged[3] = std::numeric_limits<double>::infinity();
      auto infinite = upload_vector(backend, diverged, dtype);
      backend.scale_to_norm(1.0, infinite->view());
      const auto after = download_vector(backend, infinite->view());
      CHECK(after[0] == 1.0);
      CHECK(std::isinf(after[3]));
    }
  }
}

TEST_CASE("vector ops do not mix f32 (backend memory) and f64 (host memory) operands, except copy") {
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    auto narrow = backend.allocate(8, DType::f32);
    auto wide = backend.allocate(8, DType::f64);
    CHECK(wide->host_data() != nullptr);
    CHECK_THROWS_AS(backend.axpy(1.0, narrow->view(), wide->view()), std::invalid_argument);
    CHECK_THROWS_AS((void)backend.dot(wide->view(), narrow->view()), std::invalid_argument);
  }
}

}  // namespace
}  // namespace thermo::conformance
