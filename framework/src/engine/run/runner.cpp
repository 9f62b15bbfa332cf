#include "run/runner.hpp"

#include "run/interruption.hpp"
#include "run/json_files.hpp"
#include "run/log_sink.hpp"
#include "run/resume_state.hpp"
#include "run/run_resources.hpp"
#include "run/trainer.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/version.hpp>

#include <chrono>
#include <cmath>

namespace thermo::engine {
namespace {

std::string timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t time = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json metrics_json(const std::vector<std::string>& columns, const std::vector<double>& row) {
  auto metrics = nlohmann::json::object();
  for (std::size_t i = 0; i < columns.size() && i < row.size(); ++i) {
    metrics[columns[i]] = std::isfinite(row[i]) ? nlohmann::json(row[i]) : nlohmann::json(nullptr);
  }
  return metrics;
}

// The summary of an earlier attempt of this run (resume keeps its start time and history).
nlohmann::json earlier_summary(const std::filesystem::path& file) {
  try {
    if (std::filesystem::exists(file)) return read_json_file(file);
  } catch (const UserError&) {
  }
  return nlohmann::json::object();
}

// Restores the trainer and the recorder from the newest valid resume state, if there is one.
void resume_from_state(const std::filesystem::path& run_dir, const RunIdentity& identity, bool force, Trainer& trainer,
                       MetricsRecorder& recorder) {
  const ResumeStates states(run_dir);
  auto found = states.newest_valid();
  if (!found) {
    logger().info("{}: no resume state; starting from iteration 0", run_dir.string());
    return;
  }
  ResumeStates::check_identity(found->archive, found->file, identity, force);
  trainer.load_state(found->archive);
  recorder.load_state(found->archive, "recorder.");
  trainer.set_seconds_before(recorder.seconds_before());
  logger().info("{}: resuming at iteration {} from {}", run_dir.string(), trainer.iteration(),
                found->file.filename().string());
}

}  // namespace

int exit_code_for(const RunResult& result) {
  if (result.status == "interrupted") return kExitInterrupted;
  if (result.status != "failed") return kExitOk;
  if (!result.error) return kExitInternal;
  try {
    std::rethrow_exception(result.error);
  } catch (const StorageError&) {
    return kExitStorage;
  } catch (const UserError&) {
    return kExitUserError;
  } catch (const UserErrors&) {
    return kExitUserError;
  } catch (...) {
    return kExitInternal;
  }
}

RunResult execute_run(const Pipeline& pipeline, const std::filesystem::path& run_dir, PluginRegistry& registry,
                      const RunOptions& options) {
  namespace fs = std::filesystem;
  fs::create_directories(run_dir);
  write_file_durably(run_dir / "config.yaml", pipeline.resolved_yaml);
  const ScopedLogFile log_file(run_dir / "log.txt");
  const auto start = std::chrono::steady_clock::now();
  install_interruption_handlers();

  nlohmann::json summary = options.resume ? earlier_summary(run_dir / "summary.json") : nlohmann::json::object();
  if (!summary.contains("started")) summary["started"] = timestamp_now();
  if (options.resume) summary["resumed"].push_back(timestamp_now());
  summary["name"] = pipeline.name;
  summary["status"] = "running";
  summary["thermo_version"] = THERMO_VERSION;
  summary.erase("message");
  summary.erase("finished");
  write_json_file(run_dir / "summary.json", summary);

  RunResult result;
  std::vector<std::string> columns;
  std::vector<double> last_row;
  try {
    RunResources::Options build_options;
    build_options.threads = options.threads;
    build_options.backend = options.backend;
    auto resources = RunResources::build(pipeline, registry, build_options);
    summary["backend"] = resources->backend().name();
    summary["backend_description"] = resources->backend().description();
    summary["threads"] = resources->backend().threads();
    summary["scale_invariant_parameters"] = resources->model().scale_invariant_count();
    summary["parameters"] = resources->model().parameters().size;
    if (pipeline.train) {
      const auto checkpoint_dir = run_dir / "checkpoints";
      if (pipeline.train->checkpoints.kind != ScheduleSpec::Kind::none) fs::create_directories(checkpoint_dir);
      Trainer trainer(*resources, *pipeline.train, checkpoint_dir);
      trainer.set_spill_dir(run_dir / "state");
      MetricsRecorder recorder(run_dir, trainer.columns());
      const RunIdentity identity{experiment_identity(pipeline), THERMO_VERSION, resources->backend().name(),
                                 resources->backend().threads()};
      if (options.resume) resume_from_state(run_dir, identity, options.force, trainer, recorder);
      Progress progress(options.label.empty() ? pipeline.name : options.label, pipeline.train->iterations,
                        options.progress, options.progress_every >= 0 ? options.progress_every : 10.0);
      progress.set_status_file(run_dir / "progress.json", options.progress_every >= 0 ? options.progress_every : 30.0);
      summary["learning_rate"] = resources->optimizer().learning_rate();
      summary["log_points"] = trainer.log_points();
      write_json_file(run_dir / "summary.json", summary);

      const ResumeStates states(run_dir);
      CheckpointPolicy policy;
      policy.every_seconds =
          options.checkpoint_every >= 0 ? options.checkpoint_every : pipeline.executor.checkpoint_every;
      policy.save = [&](std::int64_t iteration) {
        recorder.sync();  // a state never counts rows that a power loss could take back
        states.write(iteration, identity, [&](StateArchive& archive) {
          trainer.save_state(archive);
          recorder.save_state(archive, "recorder.");
        });
      };
      const TrainOutcome outcome = trainer.run(recorder, progress, &policy);
      result.status = outcome.status;
      result.message = outcome.message;
      result.iterations = outcome.iterations;
      columns = recorder.columns();
      last_row = recorder.last_finite_row();
      if (outcome.status == "diverged") summary["diverged_at"] = outcome.iterations;
    } else {
      result.status = "completed";
      result.message = "no training (train: null)";
    }
  } catch (const UserErrors& errors) {
    result.status = "failed";
    std::string text;
    for (const auto& error : errors.errors()) text += (text.empty() ? "" : "\n") + format_error(error);
    result.message = text;
    result.error = std::current_exception();
  } catch (const UserError& error) {
    result.status = "failed";
    result.message = format_error(error);
    result.error = std::current_exception();
  } catch (const std::exception& error) {
    result.status = "failed";
    result.message = std::string("internal error: ") + error.what();
    result.error = std::current_exception();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.status == "failed") logger().error("{}", result.message);
  if (result.status == "diverged" || result.status == "interrupted") logger().warn("{}", result.message);

  summary["status"] = result.status;
  summary["message"] = result.message;
  summary["iterations"] = result.iterations;
  summary["seconds"] = summary.value("seconds", 0.0) + result.seconds;
  summary["finished"] = timestamp_now();
  // The last row whose training loss was finite: a diverged run keeps the numbers before it.
  if (!columns.empty()) summary["metrics"] = metrics_json(columns, last_row);
  try {
    write_json_file(run_dir / "summary.json", summary);
  } catch (const StorageError& error) {
    // The disk that failed the run may refuse the summary too; the run's message is the one to keep.
    logger().error("{}", format_error(error));
    if (result.status != "failed") {
      result.status = "failed";
      result.message = format_error(error);
      result.error = std::current_exception();
    }
  }
  return result;
}

}  // namespace thermo::engine
