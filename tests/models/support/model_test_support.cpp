#include "model_test_support.hpp"

#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <thermo/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace thermo::testing {

std::unique_ptr<Backend> load_backend(const std::string& name, int threads, std::string* why_not,
                                      const std::map<std::string, ParamValue>& settings) {
  const auto names = test_registry().names(PluginKind::backend);
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    if (why_not != nullptr)
      *why_not = "backend plugin " + name + " is not in THERMO_PLUGIN_PATH (" + plugin_path() + ")";
    return nullptr;
  }
  const auto& plugin = load_plugin<BackendPlugin>(PluginKind::backend, name);
  if (const auto reason = plugin.unavailable_reason(); !reason.empty()) {
    if (why_not != nullptr) *why_not = "backend " + name + " unavailable: " + reason;
    return nullptr;
  }
  return make_backend(name, threads, settings);
}

void report_skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
}

RandomImages::RandomImages(std::int64_t train_size, std::int64_t test_size, std::uint64_t seed, std::int64_t channels,
                           std::int64_t classes, std::int64_t size) {
  info_.name = "random_images";
  info_.channels = channels;
  info_.height = size;
  info_.width = size;
  info_.classes = classes;
  info_.dtype = DType::f32;
  Rng rng(seed, "random_images");
  for (auto* split : {&train_, &test_}) {
    split->size = split == &train_ ? train_size : test_size;
    split->samples_f32.resize(static_cast<std::size_t>(split->size * info_.sample_count()));
    for (auto& value : split->samples_f32) value = static_cast<float>(rng.normal());
    split->labels.resize(static_cast<std::size_t>(split->size));
    for (auto& label : split->labels)
      label = static_cast<std::int32_t>(rng.uniform_index(static_cast<std::uint64_t>(classes)));
  }
}

std::vector<float> download_floats(Backend& backend, ConstVectorView src) {
  std::vector<float> values(src.size);
  backend.download(src, values.data());
  return values;
}

void upload_floats(Backend& backend, std::span<const float> src, VectorView dst) {
  if (src.size() != dst.size) throw std::invalid_argument("upload_floats: size mismatch");
  backend.upload(src.data(), dst);
}

double mean_loss(Model& model, std::span<const std::int32_t> indices, Mode mode) {
  const auto value = model.evaluate_batch({Split::train, indices}, mode, false);
  return value.sum / static_cast<double>(value.count);
}

DifferenceCheck central_difference(Model& model, Backend& backend, std::span<const std::int32_t> indices,
                                   std::span<const double> direction, double step, std::span<const float> gradient) {
  const auto base = download_floats(backend, model.parameters());
  std::vector<float> plus(base.size()), minus(base.size());
  DifferenceCheck check;
  for (std::size_t i = 0; i < base.size(); ++i) {
    plus[i] = static_cast<float>(static_cast<double>(base[i]) + step * direction[i]);
    minus[i] = static_cast<float>(static_cast<double>(base[i]) - step * direction[i]);
    check.analytic += static_cast<double>(gradient[i]) * (static_cast<double>(plus[i]) - static_cast<double>(minus[i]));
  }
  upload_floats(backend, plus, model.parameters());
  const double loss_plus = mean_loss(model, indices);
  upload_floats(backend, minus, model.parameters());
  const double loss_minus = mean_loss(model, indices);
  upload_floats(backend, base, model.parameters());
  check.numeric = loss_plus - loss_minus;
  return check;
}

double best_relative_error(Model& model, Backend& backend, std::span<const std::int32_t> indices,
                           std::span<const double> direction, std::span<const double> steps,
                           std::span<const float> gradient) {
  double best = std::numeric_limits<double>::infinity();
  for (double step : steps) {
    const auto check = central_difference(model, backend, indices, direction, step, gradient);
    best = std::min(best, std::abs(check.numeric - check.analytic) / std::abs(check.analytic));
  }
  return best;
}

std::string torch_python(std::string* why_not) {
  const std::string python = "/usr/bin/python3";
  if (!std::filesystem::exists(python)) {
    if (why_not != nullptr) *why_not = python + " is absent";
    return {};
  }
  const auto result = run_command(python + " -c 'import torch, numpy'");
  if (result.exit_code != 0) {
    if (why_not != nullptr) *why_not = python + " cannot import torch and numpy: " + result.err;
    return {};
  }
  return python;
}

}  // namespace thermo::testing
