#pragma once
// Trajectory entropy (docs/method.md §5–6): the kNN entropy of the last N scale-invariant weight vectors,
// kept in one float32 ring buffer in backend memory.

#include <thermo/backend.hpp>
#include <thermo/estimator.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace thermo::knn_entropy {

struct Settings {
  std::int64_t queue = 1000;     // N
  std::vector<std::int64_t> ks;  // one column entropy_k<k> each
};

// The queue holds N·D float32 values (D = the SI count; f64 models are converted on copy), stored
// once. observe() fills it with consecutive iterations; an observed iteration that is not the
// previous one + 1 (the engine only observes the N iterations before each log point) restarts it.
// measure() is NaN until N consecutive iterations ending at the log iteration have been seen.
class KnnEntropyEstimator final : public Estimator {
 public:
  // model_dimension: the SI count of the model whose iterates it will see, for memory() before
  // the first observe().
  KnnEntropyEstimator(Backend& backend, Settings settings, std::size_t model_dimension = 0);

  [[nodiscard]] std::vector<std::string> columns() const override;
  [[nodiscard]] std::int64_t history_length() const override { return settings_.queue; }
  // The queue (N·D float32) and the N×N float64 distances on the host.
  [[nodiscard]] EstimatorMemory memory() const override;
  void observe(std::int64_t iteration, ConstVectorView si_parameters) override;
  void measure(const LogContext& context, std::span<double> values) override;
  void suspend(bool keep, const std::filesystem::path& spill_dir, const std::string& name) override;
  void resume() override;
  void save_state(StateArchive& archive, const std::string& prefix) const override;
  void load_state(const StateArchive& archive, const std::string& prefix) override;

  // How many consecutive iterates the queue holds now (at most N).
  [[nodiscard]] std::int64_t filled() const { return filled_; }

 private:
  void allocate(std::size_t dimension);
  [[nodiscard]] VectorView slot(std::int64_t index) const;

  Backend& backend_;
  Settings settings_;
  std::size_t model_dimension_ = 0;
  std::size_t dimension_ = 0;            // D, known at the first observe()
  std::unique_ptr<DeviceBuffer> queue_;  // N × D float32, row `slot` = one iterate
  std::int64_t filled_ = 0;
  std::int64_t next_slot_ = 0;
  std::int64_t last_iteration_ = -1;       // -1: nothing observed yet
  std::vector<double> squared_distances_;  // N × N, host (pairwise_squared_distances writes there)
  bool warned_stale_ = false;
  std::filesystem::path spill_file_;  // while suspended with its iterates kept
};

}  // namespace thermo::knn_entropy
