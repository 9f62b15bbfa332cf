#include "gradient_noise_estimator.hpp"

#include <thermo/error.hpp>
#include <thermo/gradient_statistics.hpp>
#include <thermo/knn_entropy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace thermo::gradient_noise {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kStatisticColumns[] = {"full_grad_norm",
                                         "stoch_grad_rms",
                                         "snr",
                                         "noise_mean_norm",
                                         "snr_old",
                                         "stoch_grad_mean_norm",
                                         "stoch_grad_mean_norm_squared"};
constexpr std::size_t kStatisticCount = std::size(kStatisticColumns);
}  // namespace

GradientNoiseEstimator::GradientNoiseEstimator(const EstimatorContext& context, Settings settings)
    : backend_(context.backend),
      model_(context.model),
      settings_(std::move(settings)),
      rng_(context.seed, "gradient_noise") {
  if (context.data == nullptr) {
    throw UserError("gradient_noise: needs a data set to draw stochastic gradients from (the pipeline's `dataset`)");
  }
  train_size_ = context.data->size(Split::train);
  if (train_size_ < 1) throw UserError("gradient_noise: the training split is empty");
  if (settings_.exhaustive) {
    if (settings_.batch_size && *settings_.batch_size != 1) {
      throw UserError(
          "gradient_noise: `exhaustive: true` uses every training sample as a batch of one; leave "
          "`batch_size` null (or 1)");
    }
    samples_ = train_size_;
    batch_size_ = 1;
    per_sample_columns_ = train_size_ <= kMaxPerSampleColumns;
  } else {
    samples_ = settings_.samples;
    batch_size_ = settings_.batch_size.value_or(context.train.batch_size);
  }
  if (samples_ < 1 || batch_size_ < 1) throw UserError("gradient_noise: `samples` and `batch_size` must be >= 1");
  if (!settings_.ks.empty() && samples_ < 2) {
    throw UserError("gradient_noise: the stochastic entropy needs at least 2 samples; raise `samples` or set `ks: []`");
  }
  indices_.resize(static_cast<std::size_t>(batch_size_));
}

std::vector<std::string> GradientNoiseEstimator::columns() const {
  std::vector<std::string> names(std::begin(kStatisticColumns), std::end(kStatisticColumns));
  for (auto k : settings_.ks) names.push_back(fmt::format("stoch_entropy_k{}", k));
  if (per_sample_columns_) {
    for (std::int64_t i = 1; i <= samples_; ++i) names.push_back(fmt::format("sample_grad_norm_{}", i));
  }
  return names;
}

// The full gradient comes in the parameters' dtype, which is the gradient's: no converted copy.
EstimatorMemory GradientNoiseEstimator::memory() const {
  const std::size_t dimension = model_.scale_invariant_count();
  const auto samples = static_cast<std::size_t>(samples_);
  EstimatorMemory memory{fmt::format("{} stochastic gradients", samples), 0, 0, batch_size_};
  memory.backend_bytes = dimension * dtype_size(model_.gradients().dtype);  // g_i − g
  if (!settings_.ks.empty()) {
    memory.backend_bytes += samples * dimension * sizeof(float);  // the points η·g_i
    memory.host_bytes = samples * samples * sizeof(double);
  }
  return memory;
}

void GradientNoiseEstimator::prepare_buffers(const LogContext& context, std::size_t dimension) {
  const DType gradient_dtype = model_.gradients().dtype;
  if (!deviation_ || deviation_->size() != dimension) deviation_ = backend_.allocate(dimension, gradient_dtype);
  if (context.full_gradient.dtype != gradient_dtype && (!full_converted_ || full_converted_->size() != dimension)) {
    full_converted_ = backend_.allocate(dimension, gradient_dtype);
  }
  const auto point_count = static_cast<std::size_t>(samples_) * dimension;
  if (!settings_.ks.empty() && (!points_ || points_->size() != point_count)) {
    points_ = backend_.allocate(point_count, DType::f32);
  }
}

void GradientNoiseEstimator::measure(const LogContext& context, std::span<double> values) {
  std::fill(values.begin(), values.end(), kNaN);
  const std::size_t dimension = model_.scale_invariant_count();
  if (context.full_gradient.size < dimension) {
    throw std::logic_error("gradient_noise: the full gradient is shorter than the SI part");
  }
  prepare_buffers(context, dimension);
  ConstVectorView full = context.full_gradient.slice(0, dimension);
  if (full_converted_ && context.full_gradient.dtype != full_converted_->dtype()) {
    backend_.copy(full, full_converted_->view());
    full = full_converted_->view();
  }
  GradientNoiseAccumulator accumulator(backend_.squared_norm(full));
  const VectorView deviation = deviation_->view();
  const std::size_t per_sample_offset = kStatisticCount + settings_.ks.size();

  for (std::int64_t i = 0; i < samples_; ++i) {
    if (settings_.exhaustive) {
      indices_[0] = static_cast<std::int32_t>(i);
    } else {
      for (auto& index : indices_) {
        index = static_cast<std::int32_t>(rng_.uniform_index(static_cast<std::uint64_t>(train_size_)));
      }
    }
    model_.evaluate_batch(Batch{Split::train, indices_}, Mode::training, true);
    const ConstVectorView sample = model_.gradients().slice(0, dimension);
    const double squared = backend_.squared_norm(sample);
    backend_.copy(sample, deviation);
    backend_.axpy(-1.0, full, deviation);
    accumulator.add(squared, backend_.squared_norm(deviation));
    if (per_sample_columns_) values[per_sample_offset + static_cast<std::size_t>(i)] = std::sqrt(squared);
    if (points_) backend_.copy(sample, points_->view().slice(static_cast<std::size_t>(i) * dimension, dimension));
    if (context.progress) context.progress("stochastic gradients", i + 1, samples_);
  }

  const auto statistics = accumulator.result();
  const double computed[kStatisticCount] = {statistics.full_grad_norm,
                                            statistics.stoch_grad_rms,
                                            statistics.snr,
                                            statistics.noise_mean_norm,
                                            statistics.snr_old,
                                            statistics.stoch_grad_mean_norm,
                                            statistics.stoch_grad_mean_norm_squared};
  std::copy(std::begin(computed), std::end(computed), values.begin());

  if (points_) {
    if (dimension < 2) return;  // no sphere to speak of: the entropy columns stay NaN
    backend_.scale(context.learning_rate, points_->view());
    const auto m = static_cast<std::size_t>(samples_);
    squared_distances_.resize(m * m);
    backend_.pairwise_squared_distances(points_->view(), samples_, static_cast<std::int64_t>(dimension),
                                        squared_distances_);
    const auto entropies = knn_entropies(squared_distances_, samples_, static_cast<double>(dimension) - 1.0,
                                         settings_.ks, DistanceKind::squared);
    std::copy(entropies.begin(), entropies.end(), values.begin() + static_cast<std::ptrdiff_t>(kStatisticCount));
  }
  // M·D floats, as large as the trajectory queue: free between log steps (see Estimator::suspend).
  points_.reset();
}

void GradientNoiseEstimator::save_state(StateArchive& archive, const std::string& prefix) const {
  archive.put_rng(prefix + "rng", rng_);
}

void GradientNoiseEstimator::load_state(const StateArchive& archive, const std::string& prefix) {
  archive.get_rng(prefix + "rng", rng_);
}

}  // namespace thermo::gradient_noise
