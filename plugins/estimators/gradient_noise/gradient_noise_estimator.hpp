#pragma once
// Gradient noise at a log point (docs/method.md §5): M fresh stochastic gradients at the current weights
// against the full gradient — SNR, noise and gradient norms — and the stochastic entropy, the kNN
// entropy of the points η·g_i (docs/method.md §6).

#include <thermo/backend.hpp>
#include <thermo/estimator.hpp>
#include <thermo/rng.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace thermo::gradient_noise {

// Per-sample gradient norm columns are written in exhaustive mode for training sets this small.
inline constexpr std::int64_t kMaxPerSampleColumns = 16;

struct Settings {
  std::int64_t samples = 1000;             // M (ignored when exhaustive)
  std::optional<std::int64_t> batch_size;  // absent: the training batch size
  std::vector<std::int64_t> ks;            // stochastic entropy columns; empty: none
  bool exhaustive = false;                 // every training sample is its own batch of one
};

// Each measure() draws M batches of batch_size indices uniformly WITH replacement from its own
// stream Rng(seed, "gradient_noise") (continued across log points, saved with the run state), and
// evaluates each in training mode with a gradient — which updates the batch-norm running
// statistics exactly as the reference's passes do. Statistics of the SI part accumulate in float64
// from backend norms; ‖g_i − g‖² is the norm of the difference vector (no cancellation).
// Backend memory: M·D float32 for the points η·g_i (only with ks), D of the gradient's dtype for
// g_i − g, and D more only if the full gradient comes in another dtype. Host: M×M doubles of
// distances while the entropy is computed. The model's gradient buffer is overwritten.
class GradientNoiseEstimator final : public Estimator {
 public:
  GradientNoiseEstimator(const EstimatorContext& context, Settings settings);

  [[nodiscard]] std::vector<std::string> columns() const override;
  void measure(const LogContext& context, std::span<double> values) override;
  // The backend and host memory above, and its batch.
  [[nodiscard]] EstimatorMemory memory() const override;
  void save_state(StateArchive& archive, const std::string& prefix) const override;
  void load_state(const StateArchive& archive, const std::string& prefix) override;

 private:
  void prepare_buffers(const LogContext& context, std::size_t dimension);

  Backend& backend_;
  Model& model_;
  Settings settings_;
  std::int64_t train_size_ = 0;
  std::int64_t samples_ = 0;  // M actually drawn (train_size_ when exhaustive)
  std::int64_t batch_size_ = 0;
  bool per_sample_columns_ = false;
  Rng rng_;
  std::unique_ptr<DeviceBuffer> deviation_;       // g_i − g, D of the gradient dtype
  std::unique_ptr<DeviceBuffer> full_converted_;  // g in the gradient dtype, when it came in another
  std::unique_ptr<DeviceBuffer> points_;          // M × D float32: η·g_i
  std::vector<double> squared_distances_;         // M × M host
  std::vector<std::int32_t> indices_;
};

}  // namespace thermo::gradient_noise
