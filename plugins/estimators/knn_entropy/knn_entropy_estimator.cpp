#include "knn_entropy_estimator.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/knn_entropy.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace thermo::knn_entropy {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

KnnEntropyEstimator::KnnEntropyEstimator(Backend& backend, Settings settings, std::size_t model_dimension)
    : backend_(backend), settings_(std::move(settings)), model_dimension_(model_dimension) {
  if (settings_.queue < 2) throw UserError("knn_entropy: `queue` must be >= 2");
  if (settings_.ks.empty()) throw UserError("knn_entropy: `ks` must name at least one k");
}

std::vector<std::string> KnnEntropyEstimator::columns() const {
  std::vector<std::string> names;
  for (auto k : settings_.ks) names.push_back(fmt::format("entropy_k{}", k));
  return names;
}

EstimatorMemory KnnEntropyEstimator::memory() const {
  const auto n = static_cast<std::size_t>(settings_.queue);
  const std::size_t dimension = dimension_ > 0 ? dimension_ : model_dimension_;
  return {fmt::format("queue of {} iterates", n), n * dimension * sizeof(float), n * n * sizeof(double), 0};
}

void KnnEntropyEstimator::allocate(std::size_t dimension) {
  if (dimension < 2) {
    throw UserError(
        fmt::format("knn_entropy: the model has {} scale-invariant parameters; the entropy on the sphere "
                    "needs at least 2 (d = D - 1 > 0)",
                    dimension));
  }
  dimension_ = dimension;
  queue_ = backend_.allocate(static_cast<std::size_t>(settings_.queue) * dimension_, DType::f32);
}

VectorView KnnEntropyEstimator::slot(std::int64_t index) const {
  return queue_->view().slice(static_cast<std::size_t>(index) * dimension_, dimension_);
}

void KnnEntropyEstimator::observe(std::int64_t iteration, ConstVectorView si_parameters) {
  if (!queue_) allocate(si_parameters.size);
  if (si_parameters.size != dimension_) {
    throw std::logic_error(
        fmt::format("knn_entropy: observed {} SI parameters after {}", si_parameters.size, dimension_));
  }
  if (last_iteration_ < 0 || iteration != last_iteration_ + 1) {
    filled_ = 0;
    next_slot_ = 0;
  }
  backend_.copy(si_parameters, slot(next_slot_));
  next_slot_ = (next_slot_ + 1) % settings_.queue;
  filled_ = std::min(filled_ + 1, settings_.queue);
  last_iteration_ = iteration;
}

void KnnEntropyEstimator::measure(const LogContext& context, std::span<double> values) {
  std::fill(values.begin(), values.end(), kNaN);
  if (filled_ < settings_.queue) return;
  if (last_iteration_ != context.iteration) {
    // The queue ends elsewhere: the engine did not observe the iterations before this log point.
    if (!warned_stale_) {
      logger().warn("knn_entropy: the queue ends at iteration {}, not at the log iteration {}; writing NaN",
                    last_iteration_, context.iteration);
      warned_stale_ = true;
    }
    return;
  }
  const auto n = static_cast<std::size_t>(settings_.queue);
  squared_distances_.resize(n * n);
  backend_.pairwise_squared_distances(queue_->view(), settings_.queue, static_cast<std::int64_t>(dimension_),
                                      squared_distances_);
  // The ring's slot order is not the time order; the estimator does not depend on the order.
  const auto entropies = thermo::knn_entropies(
      squared_distances_, settings_.queue, static_cast<double>(dimension_) - 1.0, settings_.ks, DistanceKind::squared);
  std::copy(entropies.begin(), entropies.end(), values.begin());
}

// Suspended with `keep`: the filled slots go to a file, one write per slot (D floats of host
// memory), and the queue's memory is freed; resume() reads them back. Without `keep` the next
// log point's history starts after this one: the queue is freed and restarts empty.
void KnnEntropyEstimator::suspend(bool keep, const std::filesystem::path& spill_dir, const std::string& name) {
  if (!queue_) return;
  if (keep && filled_ > 0) {
    std::filesystem::create_directories(spill_dir);
    spill_file_ = spill_dir / (name + ".queue");
    AppendedFile spill(spill_file_, AppendedFile::Start::truncate);
    std::vector<float> row(dimension_);
    for (std::int64_t index = 0; index < filled_; ++index) {
      backend_.download(slot(index), row.data());
      spill.append(std::string_view(reinterpret_cast<const char*>(row.data()), row.size() * sizeof(float)));
    }
  } else {
    filled_ = 0;
    next_slot_ = 0;
    last_iteration_ = -1;
  }
  queue_.reset();
}

void KnnEntropyEstimator::resume() {
  if (spill_file_.empty()) return;
  allocate(dimension_);
  std::ifstream spill(spill_file_, std::ios::binary);
  std::vector<float> row(dimension_);
  for (std::int64_t index = 0; index < filled_; ++index) {
    spill.read(reinterpret_cast<char*>(row.data()), static_cast<std::streamsize>(row.size() * sizeof(float)));
    if (!spill) throw UserError(SourceLocation{spill_file_.string()}, "", "cannot read back the suspended queue");
    backend_.upload(row.data(), slot(index));
  }
  spill.close();
  std::filesystem::remove(spill_file_);
  spill_file_.clear();
}

// The queue is saved slot by slot (one entry each), so saving needs D floats of scratch, not a
// second host copy of the whole queue besides the archive's.
void KnnEntropyEstimator::save_state(StateArchive& archive, const std::string& prefix) const {
  archive.put_i64(prefix + "queue_length", settings_.queue);
  archive.put_u64(prefix + "dimension", dimension_);
  archive.put_i64(prefix + "filled", filled_);
  archive.put_i64(prefix + "next_slot", next_slot_);
  archive.put_i64(prefix + "last_iteration", last_iteration_);
  if (!queue_) return;
  std::vector<float> row(dimension_);
  for (std::int64_t index = 0; index < filled_; ++index) {
    backend_.download(slot(index), row.data());
    archive.put_vector<float>(fmt::format("{}slot.{}", prefix, index), row);
  }
}

void KnnEntropyEstimator::load_state(const StateArchive& archive, const std::string& prefix) {
  const auto queue_length = archive.get_i64(prefix + "queue_length");
  if (queue_length != settings_.queue) {
    throw UserError(
        fmt::format("knn_entropy: the saved run state has queue {}, the pipeline says {}; resume with "
                    "the same `queue`",
                    queue_length, settings_.queue));
  }
  const auto dimension = static_cast<std::size_t>(archive.get_u64(prefix + "dimension"));
  filled_ = archive.get_i64(prefix + "filled");
  next_slot_ = archive.get_i64(prefix + "next_slot");
  last_iteration_ = archive.get_i64(prefix + "last_iteration");
  if (filled_ < 0 || filled_ > settings_.queue || next_slot_ < 0 || next_slot_ >= settings_.queue) {
    throw UserError(
        fmt::format("knn_entropy: the saved queue state is malformed (filled {}, next slot {})", filled_, next_slot_));
  }
  if (dimension == 0) {
    queue_.reset();
    dimension_ = 0;
    return;
  }
  if (!queue_ || dimension != dimension_) allocate(dimension);
  std::vector<float> row;
  for (std::int64_t index = 0; index < filled_; ++index) {
    row = archive.get_vector<float>(fmt::format("{}slot.{}", prefix, index));
    if (row.size() != dimension_) {
      throw UserError(
          fmt::format("knn_entropy: saved queue slot {} has {} values, expected {}", index, row.size(), dimension_));
    }
    backend_.upload(row.data(), slot(index));
  }
}

}  // namespace thermo::knn_entropy
