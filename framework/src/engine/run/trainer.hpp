#pragma once
// The training loop of one run (docs/method.md §5): steps of the optimizer on sampled batches, and at each
// log iteration, in this order, the last stochastic gradient's norm, the train evaluation
// (training mode, chunks of 1024, the full gradient as a side product), the test evaluation
// (evaluation mode), then the estimators. All of the loop's state can be saved and restored.

#include "config/pipeline.hpp"
#include "run/metrics_recorder.hpp"
#include "run/progress.hpp"
#include "run/run_resources.hpp"
#include "run/sampler.hpp"
#include "run/schedule.hpp"

#include <thermo/state.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace thermo::engine {

inline constexpr std::int64_t kEvaluationChunk = 1024;

struct TrainOutcome {
  std::string status = "completed";  // completed | diverged | interrupted
  std::string message;
  std::int64_t iterations = 0;  // optimizer steps taken
  int signal = 0;               // interrupted: the signal that asked for it
};

// When the loop writes a resume state: every `every_seconds` of training (at a step boundary),
// on SIGTERM, SIGINT or SIGUSR1 (then it stops), and once at the end of a completed run.
struct CheckpointPolicy {
  double every_seconds = 300.0;                      // <= 0: only on signals and at the end
  std::function<void(std::int64_t iteration)> save;  // writes the trainer's and the recorder's state
};

// Whole-training-set evaluation: mean loss, accuracy and (optionally) the full gradient.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
  std::int64_t samples = 0;
};

class Trainer {
 public:
  // checkpoint_dir may be empty (no checkpoints written, e.g. when benchmarking).
  Trainer(RunResources& resources, const TrainSection& train, std::filesystem::path checkpoint_dir);

  // The metric columns, in order: iteration, train_loss, [train_accuracy], [test_loss,
  // test_accuracy], stoch_grad_norm, [train_loss_above_min], estimator columns... (wall-clock
  // seconds go to timing.csv: metrics.csv is a function of the configuration alone).
  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }

  // Runs from the current iteration to the end, writing a row per log iteration; with a policy,
  // writes resume states and stops on the signals it names.
  TrainOutcome run(MetricsRecorder& recorder, Progress& progress, const CheckpointPolicy* policy = nullptr);

  // One optimizer step; returns the batch's mean loss.
  double step();
  // After a step: what became NaN or Inf (batch loss, gradient, weights), or "" when all is finite.
  [[nodiscard]] std::string non_finite_after_step(double batch_loss);
  // The log step at the current iteration; fills one value per column.
  void measure(std::vector<double>& row, Progress* progress = nullptr);
  // Mean loss and accuracy over a split; with full_gradient, the gradient of the mean loss over
  // the whole split (training mode) is written there.
  Evaluation evaluate(Split split, Mode mode, std::optional<VectorView> full_gradient);

  [[nodiscard]] std::int64_t iteration() const { return iteration_; }
  [[nodiscard]] std::size_t log_points() const { return log_.iterations().size(); }

  // Everything the loop needs to continue bit for bit; nothing that depends on the clock.
  void save_state(StateArchive& archive) const;
  void load_state(const StateArchive& archive);
  [[nodiscard]] bool finished() const { return finished_; }
  // Where estimators put what they hold while suspended in a log step (Estimator::suspend);
  // empty (the default) keeps everything in memory.
  void set_spill_dir(std::filesystem::path dir) { spill_dir_ = std::move(dir); }
  // Seconds of training before a resume (the clock of timing.csv continues from them).
  void set_seconds_before(double seconds) { elapsed_before_ = seconds; }

 private:
  void write_checkpoint();
  void observe_for_estimators();

  RunResources& resources_;
  TrainSection train_;
  std::filesystem::path checkpoint_dir_;
  std::filesystem::path spill_dir_;
  BatchSampler sampler_;
  ScheduleCursor log_;
  ScheduleCursor checkpoints_;
  std::int64_t history_ = 0;  // the longest history any estimator needs
  std::vector<std::string> columns_;
  std::unique_ptr<DeviceBuffer> full_gradient_;
  std::vector<std::int32_t> all_indices_[2];
  std::int64_t iteration_ = 0;
  double elapsed_before_ = 0.0;  // seconds spent before a restore
  bool finished_ = false;        // the loop reached its end (a final state)
  bool has_accuracy_ = false;
  bool has_test_ = false;
  std::optional<double> minimum_loss_;
};

}  // namespace thermo::engine
