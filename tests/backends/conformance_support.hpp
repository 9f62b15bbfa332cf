#pragma once
// What every conformance test needs: seeded random inputs that are exact in float32, moving
// data between the host (float64 vectors, plain NCHW) and a backend, a tolerance check that
// names the worst element, and float64 central finite differences.

#include "backend_loader.hpp"

#include <thermo/backend.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace thermo::conformance {

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  // Values rounded to float32, so that backend and reference see the same numbers.
  std::vector<double> uniform(std::size_t count, double low, double high);
  std::vector<double> normal(std::size_t count, double sigma = 1.0);
  // Uniform in ±[gap, high]: no value near a kink (ReLU, max) for finite differences.
  std::vector<double> away_from_zero(std::size_t count, double gap, double high);
  std::vector<std::int32_t> labels(std::size_t count, std::int32_t classes);
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

[[nodiscard]] double to_float(double value);

// --- host <-> backend ---
[[nodiscard]] Tensor upload_tensor(Backend& backend, const Shape4& shape, const std::vector<double>& nchw);
[[nodiscard]] std::vector<double> download_tensor(Backend& backend, const Tensor& tensor);
[[nodiscard]] std::unique_ptr<DeviceBuffer> upload_vector(Backend& backend, const std::vector<double>& values,
                                                          DType dtype);
[[nodiscard]] std::unique_ptr<DeviceBuffer> upload_labels(Backend& backend, const std::vector<std::int32_t>& labels);
[[nodiscard]] std::vector<double> download_vector(Backend& backend, ConstVectorView view);

// Checks every |actual − expected| ≤ tolerance · (|expected| + rms(expected)): relative for
// large elements, relative to the typical size for elements near zero. Reports the worst one.
void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance,
                 const std::string& what);

// Gradient of f at x by central differences with step h (float64 throughout).
[[nodiscard]] std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f,
                                                   std::vector<double> x, double h = 1e-5);
[[nodiscard]] double weighted_sum(const std::vector<double>& values, const std::vector<double>& weights);

}  // namespace thermo::conformance
