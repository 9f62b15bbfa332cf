#include "exactness.hpp"

#include "model_test_support.hpp"
#include "test_support.hpp"

#include <thermo/npy.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

namespace thermo::testing {
namespace {

struct Pass {
  double loss = 0.0;
  double accuracy = 0.0;
  std::vector<double> gradient;  // SI part, of the summed loss / n (training passes)
};

// Chunks of `chunk` samples, as a log step does: training mode with gradients for the training
// split (full gradient = Σ count·mean-gradient / n), evaluation mode for the test split.
Pass full_pass(Model& model, Backend& backend, Split split, std::int64_t size, std::int64_t chunk) {
  Pass pass;
  const bool train = split == Split::train;
  if (train) pass.gradient.assign(model.scale_invariant_count(), 0.0);
  std::vector<std::int32_t> indices(static_cast<std::size_t>(size));
  std::iota(indices.begin(), indices.end(), 0);
  std::int64_t correct = 0;
  for (std::int64_t start = 0; start < size; start += chunk) {
    const auto count = std::min(chunk, size - start);
    const std::span<const std::int32_t> part(indices.data() + start, static_cast<std::size_t>(count));
    const auto value = model.evaluate_batch({split, part}, train ? Mode::training : Mode::evaluation, train);
    pass.loss += value.sum;
    correct += value.correct;
    if (train) {
      const auto gradient = download_floats(backend, model.gradients());
      for (std::size_t i = 0; i < pass.gradient.size(); ++i) {
        pass.gradient[i] += static_cast<double>(count) * static_cast<double>(gradient[i]);
      }
    }
  }
  pass.loss /= static_cast<double>(size);
  pass.accuracy = static_cast<double>(correct) / static_cast<double>(size);
  for (auto& value : pass.gradient) value /= static_cast<double>(size);
  return pass;
}

std::vector<float> running_statistics(const layers::GraphModel& model) {
  std::vector<float> all;
  for (const auto& buffer : model.buffers()) {
    const auto values = model.download_buffer(buffer);
    all.insert(all.end(), values.begin(), values.end());
  }
  return all;
}

template <class A, class B>
double relative_difference(const A& value, const B& reference) {
  REQUIRE(value.size() == reference.size());
  double difference = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const double r = static_cast<double>(reference[i]);
    difference += (static_cast<double>(value[i]) - r) * (static_cast<double>(value[i]) - r);
    norm += r * r;
  }
  return std::sqrt(difference / norm);
}

double relative_difference(double value, double reference) {
  return std::abs(value - reference) / std::abs(reference);
}

void project_to_sphere(Backend& backend, VectorView scale_invariant) {
  backend.scale(1.0 / std::sqrt(backend.squared_norm(scale_invariant)), scale_invariant);
}

void write_split(const std::filesystem::path& dir, const std::string& name, const DataSplit& split,
                 const DatasetInfo& info) {
  const std::vector<std::int64_t> shape{split.size, info.channels, info.height, info.width};
  write_npy(dir / (name + "_x.npy"), split.samples_f32, shape);
  write_npy(dir / (name + "_y.npy"), split.labels, std::vector<std::int64_t>{split.size});
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

void check_against_reference(const ExactnessCase& test_case, const ModelFactory& make_model, Backend& backend,
                             const std::string& python) {
  const std::int64_t train_size = test_case.train_size;
  const std::int64_t test_size = test_case.test_size;
  auto images = std::make_shared<RandomImages>(train_size, test_size, test_case.data_seed, 3, 10, 32);
  ResidentData data(backend, images);
  const auto model_pointer = make_model({backend, images->info(), &data, test_case.loss});
  auto& model = *model_pointer;
  const auto si = model.scale_invariant_count();
  const auto scale_invariant = model.parameters().slice(0, si);
  project_to_sphere(backend, scale_invariant);  // what the optimizer's initialize() does (p = 1)

  const auto dir = scratch_dir("convnet-torch");
  const auto initial = download_floats(backend, model.parameters());
  const auto count = static_cast<std::int64_t>(initial.size());
  write_npy(dir / "parameters.npy", initial, std::vector<std::int64_t>{count});
  write_split(dir, "train", images->split(Split::train), images->info());
  write_split(dir, "test", images->split(Split::test), images->info());
  const nlohmann::json config{{"model", test_case.model},
                              {"channels", test_case.channels},
                              {"classes", 10},
                              {"loss", to_string(test_case.loss)},
                              {"chunk", test_case.chunk},
                              {"elr", test_case.elr},
                              {"steps", test_case.steps},
                              {"radius", 1.0},
                              {"threads", 2}};
  write_file(dir / "config.json", config.dump(2));

  // thermo: iteration 0 (train pass, then test pass), then full-batch projected GD.
  const auto start = full_pass(model, backend, Split::train, train_size, test_case.chunk);
  const auto start_test = full_pass(model, backend, Split::test, test_size, test_case.chunk);
  const auto start_stats = running_statistics(model);
  std::vector<std::int32_t> all(train_size);
  std::iota(all.begin(), all.end(), 0);
  std::vector<double> losses;
  std::vector<std::vector<float>> gradients;
  std::vector<float> iterates = initial;
  for (int step = 0; step < test_case.steps; ++step) {
    const auto value = model.evaluate_batch({Split::train, all}, Mode::training, true);
    losses.push_back(value.sum / static_cast<double>(value.count));
    gradients.push_back(download_floats(backend, model.gradients().slice(0, si)));
    backend.axpy(-test_case.elr, model.gradients().slice(0, si), scale_invariant);
    project_to_sphere(backend, scale_invariant);
    const auto point = download_floats(backend, model.parameters());
    iterates.insert(iterates.end(), point.begin(), point.end());
  }
  write_npy(dir / "iterates.npy", iterates, std::vector<std::int64_t>{test_case.steps + 1, count});
  const auto final_stats = running_statistics(model);
  const auto final_test = full_pass(model, backend, Split::test, test_size, test_case.chunk);

  const auto result = run_command(python + " '" + (source_dir() / "bench/reference/run_reference.py").string() +
                                  "' --check '" + dir.string() + "'");
  const std::string output = result.out + result.err;
  INFO(output);
  REQUIRE(result.exit_code == 0);

  const auto metrics = read_npy(dir / "ref_initial_metrics.npy").to_f64();
  const auto gradient = read_npy(dir / "ref_initial_gradient.npy").to_f64();
  const auto ref_start_stats = read_npy(dir / "ref_initial_running_stats.npy").to_f64();
  const auto ref_losses = read_npy(dir / "ref_step_losses.npy").to_f64();
  const auto ref_next = read_npy(dir / "ref_next_points.npy").to_f64();
  const auto ref_gradients = read_npy(dir / "ref_step_gradients.npy").to_f64();
  const auto ref_final_stats = read_npy(dir / "ref_final_running_stats.npy").to_f64();
  const auto ref_final_test = read_npy(dir / "ref_final_test.npy").to_f64();
  REQUIRE(ref_losses.size() == losses.size());
  REQUIRE(ref_next.size() == static_cast<std::size_t>(test_case.steps * count));

  double loss_error =
      std::max({relative_difference(start.loss, metrics[0]), relative_difference(start_test.loss, metrics[2]),
                relative_difference(final_test.loss, ref_final_test[0])});
  for (std::size_t i = 0; i < losses.size(); ++i)
    loss_error = std::max(loss_error, relative_difference(losses[i], ref_losses[i]));
  const double gradient_error = relative_difference(start.gradient, gradient);
  std::vector<double> gradient_errors{gradient_error};
  for (int k = 0; k < test_case.steps; ++k) {
    const std::span<const double> reference(ref_gradients.data() + static_cast<std::size_t>(k) * si, si);
    gradient_errors.push_back(relative_difference(gradients[static_cast<std::size_t>(k)], reference));
  }
  // Each step from thermo's iterate k: the point reached, and the step itself (w_k+1 − w_k).
  std::vector<double> point_errors, step_errors;
  double travelled = 0.0;
  const auto size = static_cast<std::size_t>(count);
  for (int k = 0; k < test_case.steps; ++k) {
    const auto offset = static_cast<std::size_t>(k) * size;
    const std::span<const float> from(iterates.data() + offset, size), to(iterates.data() + offset + size, size);
    const std::span<const double> reference(ref_next.data() + offset, size);
    std::vector<double> step(size), ref_step(size);
    for (std::size_t i = 0; i < size; ++i) {
      step[i] = static_cast<double>(to[i]) - static_cast<double>(from[i]);
      ref_step[i] = reference[i] - static_cast<double>(from[i]);
    }
    point_errors.push_back(relative_difference(to, reference));
    step_errors.push_back(relative_difference(step, ref_step));
    travelled += std::sqrt(std::inner_product(step.begin(), step.end(), step.begin(), 0.0));
  }
  const std::span<const float> last(iterates.data() + static_cast<std::size_t>(test_case.steps) * size, size);
  const double final_error =
      relative_difference(last, std::span<const double>(ref_next.data() + ref_next.size() - size, size));
  const double stats_error =
      std::max(relative_difference(start_stats, ref_start_stats), relative_difference(final_stats, ref_final_stats));
  std::cout << test_case.model << " c=" << test_case.channels << " " << to_string(test_case.loss) << ", chunks of "
            << test_case.chunk << ", elr " << test_case.elr << ": train loss " << start.loss << " -> " << losses.back()
            << " over " << test_case.steps << " steps (path length " << travelled << "); relative errors: losses (max) "
            << loss_error << ", running statistics (max) " << stats_error << ", full gradient at iteration 0 "
            << gradient_error << ", full gradients (median " << median(gradient_errors) << ", max "
            << *std::max_element(gradient_errors.begin(), gradient_errors.end()) << "), points after a step (median "
            << median(point_errors) << ", max " << *std::max_element(point_errors.begin(), point_errors.end())
            << "), final parameters " << final_error << ", step vectors (median " << median(step_errors) << ")"
            << std::endl;
  CHECK(loss_error <= 1e-4);
  CHECK(stats_error <= 1e-4);
  CHECK(median(gradient_errors) <= 1e-4);
  CHECK(*std::max_element(gradient_errors.begin(), gradient_errors.end()) <= 1e-2);
  CHECK(median(point_errors) <= 1e-5);
  CHECK(*std::max_element(point_errors.begin(), point_errors.end()) <= 1e-3);
  CHECK(final_error <= 1e-3);
  CHECK(median(step_errors) <= 1e-4);
  CHECK(std::abs(start.accuracy - metrics[1]) <= 1.0 / train_size);
  CHECK(std::abs(start_test.accuracy - metrics[3]) <= 1.0 / test_size);
  CHECK(travelled > 0.1);  // the steps moved the point: the comparison is not of the start
  std::filesystem::remove_all(dir);
}

}  // namespace thermo::testing
