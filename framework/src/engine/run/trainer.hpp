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
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace thermo::engine {

inline constexpr std::int64_t kEvaluationChunk = 1024;

struct TrainOutcome {
  std::string status = "completed";  // completed | diverged
  std::string message;
  std::int64_t iterations = 0;       // optimizer steps taken
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
  // test_accuracy], stoch_grad_norm, [train_loss_above_min], estimator columns..., seconds.
  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }

  // Runs from the current iteration to the end, writing a row per log iteration.
  TrainOutcome run(MetricsRecorder& recorder, Progress& progress);

  // One optimizer step; returns the batch's mean loss.
  double step();
  // The log step at the current iteration; fills one value per column.
  void measure(std::vector<double>& row);
  // Mean loss and accuracy over a split; with full_gradient, the gradient of the mean loss over
  // the whole split (training mode) is written there.
  Evaluation evaluate(Split split, Mode mode, std::optional<VectorView> full_gradient);

  [[nodiscard]] std::int64_t iteration() const { return iteration_; }
  [[nodiscard]] std::size_t log_points() const { return log_.iterations().size(); }

  void save_state(StateArchive& archive) const;
  void load_state(const StateArchive& archive);

 private:
  void write_checkpoint();
  void observe_for_estimators();

  RunResources& resources_;
  TrainSection train_;
  std::filesystem::path checkpoint_dir_;
  BatchSampler sampler_;
  ScheduleCursor log_;
  ScheduleCursor checkpoints_;
  std::int64_t history_ = 0;  // the longest history any estimator needs
  std::vector<std::string> columns_;
  std::unique_ptr<DeviceBuffer> full_gradient_;
  std::vector<std::int32_t> all_indices_[2];
  std::int64_t iteration_ = 0;
  double elapsed_before_ = 0.0;  // seconds spent before a restore
  bool has_accuracy_ = false;
  bool has_test_ = false;
  std::optional<double> minimum_loss_;
};

}  // namespace thermo::engine
