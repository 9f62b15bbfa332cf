#pragma once
// Estimators add columns to a run's metrics at each log iteration (entropy of the trajectory,
// gradient noise, ...). The engine calls observe() after the optimizer steps that fall within
// history_length() iterations before the next log point, then measure() at the log point.

#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/model.hpp>
#include <thermo/rng.hpp>
#include <thermo/state.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace thermo {

// How the run trains; estimators that draw fresh batches draw them like this.
struct TrainSettings {
  std::int64_t iterations = 0;
  std::int64_t batch_size = 128;
  std::string sampler = "iid";  // iid (with replacement) or epochs
  std::uint64_t seed = 1;
};

struct EstimatorContext {
  Backend& backend;
  Model& model;
  ResidentData* data = nullptr;  // nullptr without a data set
  const TrainSettings& train;
  std::uint64_t seed = 1;        // the estimator's own random stream derives from this
};

// Tells the engine how far a long measurement has come (the log step's M stochastic gradients
// take minutes on a big model): what is being computed, how many of how many.
using MeasureProgress = std::function<void(std::string_view what, std::int64_t done, std::int64_t total)>;

// What the engine knows at a log iteration, after the train and test evaluations.
struct LogContext {
  std::int64_t iteration = 0;
  double learning_rate = 0.0;
  // Gradient of the mean training loss over the whole training set (training mode), all
  // parameters; the SI part is the first model.scale_invariant_count() entries.
  ConstVectorView full_gradient;
  double train_loss = 0.0;
  MeasureProgress progress;  // may be empty
};

// What an estimator holds at its peak, for the engine's memory projection (docs/performance.md,
// "Memory"): one with a history holds it from the first observed iterate of a log point's history
// until it is suspended; one without holds it only during its measure().
struct EstimatorMemory {
  std::string what;               // "queue of 1000 iterates", for messages
  std::size_t backend_bytes = 0;  // in the backend's memory
  std::size_t host_bytes = 0;     // in host memory (distance matrices)
  std::int64_t batch = 0;         // the largest batch it evaluates the model at with a gradient (0: none)
};

class BOOST_SYMBOL_VISIBLE Estimator {
 public:
  virtual ~Estimator() = default;
  // Metric names this estimator writes, in order (e.g. entropy_k1 ... entropy_k1000).
  [[nodiscard]] virtual std::vector<std::string> columns() const = 0;
  // How many iterates before a log point observe() must see (0: none).
  [[nodiscard]] virtual std::int64_t history_length() const { return 0; }
  // Its memory at its peak (EstimatorMemory above).
  [[nodiscard]] virtual EstimatorMemory memory() const { return {}; }
  // After the optimizer step that produced `iteration`; si_parameters is the SI part.
  virtual void observe(std::int64_t /*iteration*/, ConstVectorView /*si_parameters*/) {}
  // Fills one value per column (NaN where it cannot say yet).
  virtual void measure(const LogContext& context, std::span<double> values) = 0;
  // Memory of a log step. The engine measures the estimators with a history first; then, when
  // others follow (M stochastic gradients take as much memory as the N iterates), it calls
  // suspend() so that the history's memory is free for them: with `keep`, the next log point's
  // history overlaps this one and the estimator must move what it holds out of the backend's
  // memory (into a file in `spill_dir`), else it may drop it. resume() follows at the end of the
  // log step. Neither may change a number. Estimators without a history free their scratch
  // memory at the end of measure().
  virtual void suspend(bool /*keep*/, const std::filesystem::path& /*spill_dir*/, const std::string& /*name*/) {}
  virtual void resume() {}
  virtual void save_state(StateArchive& /*archive*/, const std::string& /*prefix*/) const {}
  virtual void load_state(const StateArchive& /*archive*/, const std::string& /*prefix*/) {}
};

}  // namespace thermo
