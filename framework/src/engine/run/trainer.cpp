#include "run/trainer.hpp"

#include "run/checkpoint.hpp"
#include "run/interruption.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace thermo::engine {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::int64_t train_size(RunResources& resources) {
  if (resources.data() == nullptr) throw UserError("training needs a data set: the pipeline's `dataset` is null");
  return resources.data()->size(Split::train);
}

constexpr const char* kStochasticGradientKey = "trainer.stochastic_gradient";
}  // namespace

Trainer::Trainer(RunResources& resources, const TrainSection& train, std::filesystem::path checkpoint_dir)
    : resources_(resources),
      train_(train),
      checkpoint_dir_(std::move(checkpoint_dir)),
      sampler_(train.sampler, train_size(resources), train.batch_size, train.seed),
      log_(schedule_iterations(train.log, train.iterations, ScheduleRole::log)),
      checkpoints_(schedule_iterations(train.checkpoints, train.iterations, ScheduleRole::checkpoint)) {
  if (!resources_.has_optimizer()) throw UserError("training needs an optimizer: the pipeline's `optimizer` is null");
  auto& data = *resources_.data();
  has_accuracy_ = data.info().classes > 0;
  has_test_ = data.size(Split::test) > 0;
  minimum_loss_ = resources_.model().known_minimum_loss();
  for (Split split : {Split::train, Split::test}) {
    auto& indices = all_indices_[static_cast<int>(split)];
    indices.resize(static_cast<std::size_t>(data.size(split)));
    std::iota(indices.begin(), indices.end(), 0);
  }
  auto parameters = resources_.model().parameters();
  full_gradient_ = resources_.backend().allocate(parameters.size, parameters.dtype);

  columns_ = {"iteration", "train_loss"};
  if (has_accuracy_) columns_.emplace_back("train_accuracy");
  if (has_test_) {
    columns_.emplace_back("test_loss");
    if (has_accuracy_) columns_.emplace_back("test_accuracy");
  }
  columns_.emplace_back("stoch_grad_norm");
  if (minimum_loss_) columns_.emplace_back("train_loss_above_min");
  for (const auto& named : resources_.estimators()) {
    history_ = std::max(history_, named.estimator->history_length());
    for (const auto& column : named.columns) {
      if (std::find(columns_.begin(), columns_.end(), column) != columns_.end()) {
        throw UserError(fmt::format("{} ({}): metric column '{}' is already written by another stage", named.key_path,
                                    named.plugin, column));
      }
      columns_.push_back(column);
    }
  }
}

double Trainer::step() {
  auto& model = resources_.model();
  const auto batch = sampler_.next();
  const LossValue value = model.evaluate_batch(Batch{Split::train, batch}, Mode::training, true);
  resources_.optimizer().step(resources_.backend(), model.parameters(), model.gradients(),
                              model.scale_invariant_count());
  ++iteration_;
  return value.sum / static_cast<double>(value.count);
}

std::string Trainer::non_finite_after_step(double batch_loss) {
  if (!std::isfinite(batch_loss)) return fmt::format("the batch loss became {}", batch_loss);
  auto& model = resources_.model();
  auto& backend = resources_.backend();
  const std::size_t count = model.scale_invariant_count();
  // A NaN or Inf in the gradient reaches the weights through the step, so one reduction a step
  // (finite exactly when every element is) catches both; the gradient is looked at only to say which.
  const double weights = backend.squared_norm(model.parameters().slice(0, count));
  if (std::isfinite(weights)) return {};
  if (const double gradient = backend.squared_norm(model.gradients().slice(0, count)); !std::isfinite(gradient)) {
    return fmt::format("the stochastic gradient's squared norm became {} (and the weights' {})", gradient, weights);
  }
  return fmt::format("the weights' squared norm became {}", weights);
}

Evaluation Trainer::evaluate(Split split, Mode mode, std::optional<VectorView> full_gradient) {
  auto& model = resources_.model();
  auto& backend = resources_.backend();
  const auto& indices = all_indices_[static_cast<int>(split)];
  const auto total = static_cast<std::int64_t>(indices.size());
  if (full_gradient) backend.fill(*full_gradient, 0.0);
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  for (std::int64_t start = 0; start < total; start += kEvaluationChunk) {
    const std::int64_t count = std::min(kEvaluationChunk, total - start);
    const std::span<const std::int32_t> chunk(indices.data() + start, static_cast<std::size_t>(count));
    const LossValue value = model.evaluate_batch(Batch{split, chunk}, mode, full_gradient.has_value());
    loss_sum += value.sum;
    correct += value.correct;
    // The chunk's gradient is of its mean loss; the full gradient is of the summed loss over n.
    if (full_gradient) {
      backend.axpy(static_cast<double>(count) / static_cast<double>(total), model.gradients(), *full_gradient);
    }
  }
  return {loss_sum / static_cast<double>(total), static_cast<double>(correct) / static_cast<double>(total), total};
}

void Trainer::measure(std::vector<double>& row, Progress* progress) {
  auto& model = resources_.model();
  auto& backend = resources_.backend();
  row.assign(columns_.size(), kNaN);
  std::size_t column = 0;
  row[column++] = static_cast<double>(iteration_);
  // Before the evaluations overwrite it: the gradient of the last training step.
  const double stoch_grad_norm =
      iteration_ > 0 ? std::sqrt(backend.squared_norm(model.gradients().slice(0, model.scale_invariant_count())))
                     : kNaN;
  const Evaluation train = evaluate(Split::train, Mode::training, full_gradient_->view());
  row[column++] = train.loss;
  if (has_accuracy_) row[column++] = train.accuracy;
  if (has_test_) {
    const Evaluation test = evaluate(Split::test, Mode::evaluation, std::nullopt);
    row[column++] = test.loss;
    if (has_accuracy_) row[column++] = test.accuracy;
  }
  row[column++] = stoch_grad_norm;
  if (minimum_loss_) row[column++] = train.loss - *minimum_loss_;
  LogContext context{iteration_, resources_.optimizer().learning_rate(), full_gradient_->view(), train.loss, {}};
  // Estimators with a history first: they make no forward pass and draw no random number, so the
  // order changes no number, and their memory can be suspended for the others (Estimator::suspend).
  auto& estimators = resources_.estimators();
  std::vector<std::size_t> first_column(estimators.size());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < estimators.size(); ++i) {
    first_column[i] = column;
    column += estimators[i].columns.size();
    if (estimators[i].estimator->history_length() > 0) order.push_back(i);
  }
  const std::size_t with_history = order.size();
  for (std::size_t i = 0; i < estimators.size(); ++i) {
    if (estimators[i].estimator->history_length() == 0) order.push_back(i);
  }
  const bool suspend = !spill_dir_.empty() && with_history > 0 && order.size() > with_history;
  const std::int64_t next_log = log_.next_at_or_after(iteration_ + 1);
  for (std::size_t position = 0; position < order.size(); ++position) {
    auto& named = estimators[order[position]];
    if (progress != nullptr) {
      context.progress = [progress, &named](std::string_view what, std::int64_t done, std::int64_t total) {
        progress->log_step(named.plugin, what, done, total);
      };
    }
    named.estimator->measure(context,
                             std::span<double>(row.data() + first_column[order[position]], named.columns.size()));
    if (suspend && position < with_history) {
      const bool keep = next_log >= 0 && next_log - iteration_ < named.estimator->history_length();
      named.estimator->suspend(keep, spill_dir_, named.key_path);
    }
  }
  if (suspend) {
    for (std::size_t position = 0; position < with_history; ++position) estimators[order[position]].estimator->resume();
  }
}

void Trainer::observe_for_estimators() {
  if (history_ == 0) return;
  const std::int64_t next_log = log_.next_at_or_after(iteration_);
  if (next_log < 0 || next_log - iteration_ >= history_) return;
  auto& model = resources_.model();
  const ConstVectorView weights = model.parameters().slice(0, model.scale_invariant_count());
  for (auto& named : resources_.estimators()) {
    if (next_log - iteration_ < named.estimator->history_length()) named.estimator->observe(iteration_, weights);
  }
}

void Trainer::write_checkpoint() {
  if (checkpoint_dir_.empty()) return;
  auto& model = resources_.model();
  write_vector_npy(resources_.backend(), model.parameters(),
                   checkpoint_dir_ / fmt::format("params_{:08}.npy", iteration_));
  if (iteration_ > 0) {
    write_vector_npy(resources_.backend(), model.gradients(),
                     checkpoint_dir_ / fmt::format("stoch_grad_{:08}.npy", iteration_));
  }
}

TrainOutcome Trainer::run(MetricsRecorder& recorder, Progress& progress, const CheckpointPolicy* policy) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_state = start;
  TrainOutcome outcome;
  if (finished_) {  // resumed from the final state: nothing left to do
    outcome.iterations = iteration_;
    return outcome;
  }
  std::vector<double> row;
  double last_loss = kNaN;
  while (true) {
    if (checkpoints_.contains(iteration_)) write_checkpoint();
    if (log_.contains(iteration_)) {
      progress.begin_log_step(iteration_);
      measure(row, &progress);
      progress.end_log_step();
      recorder.write_row(row, elapsed_before_ + std::chrono::duration<double>(Clock::now() - start).count());
      if (!std::isfinite(row[1])) {
        outcome.status = "diverged";
        outcome.message = fmt::format("the training loss became {} at iteration {}", row[1], iteration_);
        break;
      }
    }
    if (iteration_ >= train_.iterations) break;
    last_loss = step();
    if (const std::string what = non_finite_after_step(last_loss); !what.empty()) {
      outcome.status = "diverged";
      outcome.message = fmt::format("{} at iteration {}", what, iteration_);
      break;
    }
    observe_for_estimators();
    progress.update(iteration_, last_loss);
    if (policy == nullptr) continue;
    const int signal = interruption_signal();
    // The clock only every 16th step: reading it costs a system call on some machines.
    if (signal != 0 || (policy->every_seconds > 0 && (iteration_ & 15) == 0 &&
                        std::chrono::duration<double>(Clock::now() - last_state).count() >= policy->every_seconds)) {
      policy->save(iteration_);
      last_state = Clock::now();
      if (signal != 0) {
        outcome.status = "interrupted";
        outcome.signal = signal;
        outcome.message =
            fmt::format("stopped by {} at iteration {}; its resume state is written", strsignal(signal), iteration_);
        break;
      }
    }
  }
  if (outcome.status == "completed") {
    finished_ = true;
    if (policy != nullptr) policy->save(iteration_);
  }
  outcome.iterations = iteration_;
  progress.finish(iteration_, outcome.status);
  return outcome;
}

void Trainer::save_state(StateArchive& archive) const {
  archive.put_i64("trainer.iteration", iteration_);
  archive.put_u64("trainer.finished", finished_ ? 1 : 0);
  sampler_.save_state(archive, "sampler.");
  resources_.model().save_state(archive, "model.");
  resources_.optimizer().save_state(archive, "optimizer.");
  for (const auto& named : resources_.estimators()) named.estimator->save_state(archive, named.key_path + ".");
  // A state is written after a step, before this iteration's log step and checkpoint; those read
  // the step's stochastic gradient (stoch_grad_norm, stoch_grad_*.npy), which a resume must find.
  if (!finished_ && iteration_ > 0 && (log_.includes(iteration_) || checkpoints_.includes(iteration_))) {
    const ConstVectorView gradient = resources_.model().gradients();
    std::vector<std::byte> host(gradient.bytes());
    resources_.backend().download(gradient, host.data());
    archive.put_bytes(kStochasticGradientKey, host);
  }
}

void Trainer::load_state(const StateArchive& archive) {
  iteration_ = archive.get_i64("trainer.iteration");
  finished_ = archive.get_u64("trainer.finished") != 0;
  sampler_.load_state(archive, "sampler.");
  resources_.model().load_state(archive, "model.");
  resources_.optimizer().load_state(archive, "optimizer.");
  for (auto& named : resources_.estimators()) named.estimator->load_state(archive, named.key_path + ".");
  if (archive.has(kStochasticGradientKey)) {
    const VectorView gradient = resources_.model().gradients();
    std::vector<std::byte> host(gradient.bytes());
    archive.get_into(kStochasticGradientKey, host);
    resources_.backend().upload(host.data(), gradient);
  }
}

}  // namespace thermo::engine
