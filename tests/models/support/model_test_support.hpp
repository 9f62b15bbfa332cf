#pragma once
// What the model tests share: loading a backend plugin through the engine's registry, a random CIFAR-shaped data set,
// and running the PyTorch reference.

#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/model.hpp>
#include <thermo/params.hpp>
#include <thermo/rng.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace thermo::testing {

// The backend plugin NAME from THERMO_PLUGIN_PATH, created with `threads` and `settings` (its
// schema's parameters; the rest keep their defaults). Returns nullptr and
// sets *why_not when the plugin file is absent or cannot run here; a plugin that is present but
// broken fails the test (throws). The library stays loaded until exit, as the engine keeps it.
std::unique_ptr<Backend> load_backend(const std::string& name, int threads, std::string* why_not,
                                      const std::map<std::string, ParamValue>& settings = {});

// Prints "SKIPPED: <why>" (ctest reports the test as skipped through SKIP_REGULAR_EXPRESSION).
void report_skip(const std::string& why);

// Standard-normal images of channels×32×32 with uniformly random labels.
class RandomImages final : public Dataset {
 public:
  RandomImages(std::int64_t train_size, std::int64_t test_size, std::uint64_t seed, std::int64_t channels = 3,
               std::int64_t classes = 10, std::int64_t size = 32);
  [[nodiscard]] const DatasetInfo& info() const override { return info_; }
  [[nodiscard]] const DataSplit& split(Split which) const override { return which == Split::train ? train_ : test_; }

 private:
  DatasetInfo info_;
  DataSplit train_;
  DataSplit test_;
};

// ‖value − reference‖ / ‖reference‖ in float64, for two sequences of the same length.
template <class Values, class Reference>
double relative_difference(const Values& value, const Reference& reference) {
  if (value.size() != reference.size()) throw std::invalid_argument("relative_difference: lengths differ");
  double difference = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto r = static_cast<double>(reference[i]);
    const double error = static_cast<double>(value[i]) - r;
    difference += error * error;
    norm += r * r;
  }
  return std::sqrt(difference / norm);
}

// Host copies of backend vectors.
std::vector<float> download_floats(Backend& backend, ConstVectorView src);
void upload_floats(Backend& backend, std::span<const float> src, VectorView dst);

// The mean loss of `model` on the training samples `indices` (no gradient).
double mean_loss(Model& model, std::span<const std::int32_t> indices, Mode mode = Mode::training);

// A central difference of the mean training-mode loss along `direction` (one entry per
// parameter): `numeric` = L(w + h·d) − L(w − h·d) in float64, `analytic` = g·(w₊ − w₋) with the
// float32 points actually evaluated and `gradient` taken at w. The parameters are restored.
struct DifferenceCheck {
  double analytic = 0.0;
  double numeric = 0.0;
};
DifferenceCheck central_difference(Model& model, Backend& backend, std::span<const std::int32_t> indices,
                                   std::span<const double> direction, double step, std::span<const float> gradient);

// The smallest |numeric − analytic| / |analytic| of central_difference over `steps`. The loss is
// piecewise smooth (ReLU, max pooling; float32 rounding moves units across kinks), so one step can
// be unlucky; a wrong gradient is wrong at every step.
double best_relative_error(Model& model, Backend& backend, std::span<const std::int32_t> indices,
                           std::span<const double> direction, std::span<const double> steps,
                           std::span<const float> gradient);

// /usr/bin/python3 (Debian's, with torch), or "" with *why_not set when it cannot import torch.
std::string torch_python(std::string* why_not);

}  // namespace thermo::testing
