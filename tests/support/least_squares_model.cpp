#include "least_squares_model.hpp"

#include <thermo/state.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace thermo::testing {

std::vector<double> LeastSquaresProblem::sample_gradient(std::size_t j, const std::vector<double>& w) const {
  double residual = -b[j];
  for (std::size_t m = 0; m < dimension(); ++m) residual += a[j][m] * w[m];
  std::vector<double> gradient(dimension());
  for (std::size_t m = 0; m < dimension(); ++m) gradient[m] = a[j][m] * residual;
  return gradient;
}

double LeastSquaresProblem::sample_loss(std::size_t j, const std::vector<double>& w) const {
  double residual = -b[j];
  for (std::size_t m = 0; m < dimension(); ++m) residual += a[j][m] * w[m];
  return 0.5 * residual * residual;
}

std::vector<double> LeastSquaresProblem::full_gradient(const std::vector<double>& w) const {
  std::vector<double> mean(dimension(), 0.0);
  for (std::size_t j = 0; j < a.size(); ++j) {
    const auto gradient = sample_gradient(j, w);
    for (std::size_t m = 0; m < dimension(); ++m) mean[m] += gradient[m] / static_cast<double>(a.size());
  }
  return mean;
}

namespace {
class ProblemDataset final : public Dataset {
 public:
  explicit ProblemDataset(const LeastSquaresProblem& problem) {
    info_.name = "least_squares";
    info_.channels = static_cast<std::int64_t>(problem.dimension()) + 1;
    info_.height = info_.width = 1;
    info_.classes = 0;
    info_.dtype = DType::f64;
    train_.size = static_cast<std::int64_t>(problem.a.size());
    for (std::size_t j = 0; j < problem.a.size(); ++j) {
      train_.samples_f64.insert(train_.samples_f64.end(), problem.a[j].begin(), problem.a[j].end());
      train_.samples_f64.push_back(problem.b[j]);
    }
  }
  [[nodiscard]] const DatasetInfo& info() const override { return info_; }
  [[nodiscard]] const DataSplit& split(Split which) const override { return which == Split::train ? train_ : test_; }

 private:
  DatasetInfo info_;
  DataSplit train_, test_;
};
}  // namespace

std::shared_ptr<const Dataset> make_problem_dataset(const LeastSquaresProblem& problem) {
  return std::make_shared<ProblemDataset>(problem);
}

void upload_values(Backend& backend, const std::vector<double>& src, VectorView dst) {
  if (src.size() != dst.size) throw std::logic_error("upload_values: size mismatch");
  if (dst.dtype == DType::f64) {
    backend.upload(src.data(), dst);
  } else {
    std::vector<float> narrow(src.begin(), src.end());
    backend.upload(narrow.data(), dst);
  }
}

std::vector<double> download_values(Backend& backend, ConstVectorView src) {
  if (src.dtype == DType::f64) {
    std::vector<double> values(src.size);
    backend.download(src, values.data());
    return values;
  }
  std::vector<float> narrow(src.size);
  backend.download(src, narrow.data());
  return {narrow.begin(), narrow.end()};
}

LeastSquaresModel::LeastSquaresModel(Backend& backend, LeastSquaresProblem problem, DType dtype,
                                     const std::vector<double>& initial)
    : backend_(backend), problem_(std::move(problem)) {
  const std::size_t dimension = problem_.dimension();
  layout_ = {{"weight", {static_cast<std::int64_t>(dimension)}, 0, dimension, true, true},
             {"head", {1}, dimension, 1, false, false}};
  parameters_ = backend_.allocate(dimension + 1, dtype);
  gradients_ = backend_.allocate(dimension + 1, dtype);
  auto values = initial;
  values.push_back(0.75);  // the frozen head
  upload_values(backend_, values, parameters_->view());
  backend_.fill(gradients_->view(), 0.0);
}

std::vector<double> LeastSquaresModel::weights() const {
  auto values = download_values(backend_, parameters_->view());
  values.pop_back();
  return values;
}

LossValue LeastSquaresModel::evaluate_batch(const Batch& batch, Mode mode, bool want_gradient) {
  if (mode == Mode::training && want_gradient) {
    ++training_gradient_passes;
  } else {
    ++other_passes;
  }
  const auto w = weights();
  LossValue value;
  std::vector<double> gradient(problem_.dimension() + 1, 0.0);
  for (auto index : batch.indices) {
    const auto j = static_cast<std::size_t>(index);
    value.sum += problem_.sample_loss(j, w);
    ++value.count;
    const auto sample = problem_.sample_gradient(j, w);
    for (std::size_t m = 0; m < sample.size(); ++m)
      gradient[m] += sample[m] / static_cast<double>(batch.indices.size());
  }
  if (want_gradient) upload_values(backend_, gradient, gradients_->view());
  return value;
}

void LeastSquaresModel::save_state(StateArchive& archive, const std::string& prefix) const {
  const auto values = download_values(backend_, parameters_->view());
  archive.put_vector<double>(prefix + "parameters", values);
}

void LeastSquaresModel::load_state(const StateArchive& archive, const std::string& prefix) {
  upload_values(backend_, archive.get_vector<double>(prefix + "parameters"), parameters_->view());
}

LeastSquaresResources::LeastSquaresResources(Backend& backend, const LeastSquaresProblem& problem, DType dtype,
                                             const std::vector<double>& initial, double radius, bool with_data)
    : backend_(backend),
      data_(with_data ? std::make_unique<ResidentData>(backend, make_problem_dataset(problem)) : nullptr),
      model_(std::make_unique<LeastSquaresModel>(backend, problem, dtype, initial)),
      radius_(radius) {}

}  // namespace thermo::testing
