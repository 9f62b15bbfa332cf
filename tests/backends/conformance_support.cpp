#include "conformance_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace thermo::conformance {

double to_float(double value) {
  return static_cast<double>(static_cast<float>(value));
}

std::vector<double> Random::uniform(std::size_t count, double low, double high) {
  std::uniform_real_distribution<double> distribution(low, high);
  std::vector<double> values(count);
  for (auto& value : values) value = to_float(distribution(engine_));
  return values;
}

std::vector<double> Random::normal(std::size_t count, double sigma) {
  std::normal_distribution<double> distribution(0.0, sigma);
  std::vector<double> values(count);
  for (auto& value : values) value = to_float(distribution(engine_));
  return values;
}

std::vector<double> Random::away_from_zero(std::size_t count, double gap, double high) {
  std::uniform_real_distribution<double> magnitude(gap, high);
  std::bernoulli_distribution sign(0.5);
  std::vector<double> values(count);
  for (auto& value : values) value = to_float(sign(engine_) ? magnitude(engine_) : -magnitude(engine_));
  return values;
}

std::vector<std::int32_t> Random::labels(std::size_t count, std::int32_t classes) {
  std::uniform_int_distribution<std::int32_t> distribution(0, classes - 1);
  std::vector<std::int32_t> values(count);
  for (auto& value : values) value = distribution(engine_);
  return values;
}

Tensor upload_tensor(Backend& backend, const Shape4& shape, const std::vector<double>& nchw) {
  REQUIRE(nchw.size() == static_cast<std::size_t>(shape.count()));
  std::vector<float> host(nchw.begin(), nchw.end());
  Tensor tensor = backend.create_tensor(shape);
  backend.write_tensor(host.data(), tensor);
  return tensor;
}

std::vector<double> download_tensor(Backend& backend, const Tensor& tensor) {
  std::vector<float> host(static_cast<std::size_t>(tensor.shape().count()));
  backend.read_tensor(tensor, host.data());
  return {host.begin(), host.end()};
}

std::unique_ptr<DeviceBuffer> upload_vector(Backend& backend, const std::vector<double>& values, DType dtype) {
  auto buffer = backend.allocate(values.size(), dtype);
  if (dtype == DType::f32) {
    std::vector<float> host(values.begin(), values.end());
    backend.upload(host.data(), buffer->view());
  } else {
    backend.upload(values.data(), buffer->view());
  }
  return buffer;
}

std::unique_ptr<DeviceBuffer> upload_labels(Backend& backend, const std::vector<std::int32_t>& labels) {
  auto buffer = backend.allocate(labels.size(), DType::i32);
  backend.upload(labels.data(), buffer->view());
  return buffer;
}

std::vector<double> download_vector(Backend& backend, ConstVectorView view) {
  if (view.dtype == DType::f32) {
    std::vector<float> host(view.size);
    backend.download(view, host.data());
    return {host.begin(), host.end()};
  }
  if (view.dtype == DType::i32) {
    std::vector<std::int32_t> host(view.size);
    backend.download(view, host.data());
    return {host.begin(), host.end()};
  }
  std::vector<double> host(view.size);
  backend.download(view, host.data());
  return host;
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance,
                 const std::string& what) {
  REQUIRE_MESSAGE(actual.size() == expected.size(),
                  what << ": " << actual.size() << " values, expected " << expected.size());
  double squares = 0.0;
  for (const double value : expected) squares += value * value;
  const double rms = expected.empty() ? 0.0 : std::sqrt(squares / static_cast<double>(expected.size()));
  double worst = 0.0;
  std::size_t worst_index = 0;
  bool finite = true;
  for (std::size_t index = 0; index < actual.size(); ++index) {
    if (!std::isfinite(actual[index])) finite = false;
    const double error = std::abs(actual[index] - expected[index]);
    const double scale = std::abs(expected[index]) + rms;
    const double ratio = scale > 0.0 ? error / scale : (error > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
    if (!(ratio <= worst)) {
      worst = ratio;
      worst_index = index;
    }
  }
  std::ostringstream message;
  message.precision(17);
  if (!actual.empty()) {
    message << what << ": worst error " << worst << " (tolerance " << tolerance << ") at element " << worst_index
            << ": got " << actual[worst_index] << ", expected " << expected[worst_index] << " (rms " << rms << ")";
  }
  CHECK_MESSAGE(finite, what << ": non-finite values");
  CHECK_MESSAGE(worst <= tolerance, message.str());
}

std::vector<double> numeric_gradient(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x,
                                     double h) {
  std::vector<double> gradient(x.size());
  for (std::size_t index = 0; index < x.size(); ++index) {
    const double saved = x[index];
    x[index] = saved + h;
    const double plus = f(x);
    x[index] = saved - h;
    const double minus = f(x);
    x[index] = saved;
    gradient[index] = (plus - minus) / (2.0 * h);
  }
  return gradient;
}

double weighted_sum(const std::vector<double>& values, const std::vector<double>& weights) {
  double sum = 0.0;
  for (std::size_t index = 0; index < values.size(); ++index) sum += values[index] * weights[index];
  return sum;
}

}  // namespace thermo::conformance
