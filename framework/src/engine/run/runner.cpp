#include "run/runner.hpp"

#include "run/json_files.hpp"
#include "run/log_sink.hpp"
#include "run/run_resources.hpp"
#include "run/trainer.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/version.hpp>

#include <chrono>
#include <cmath>
#include <fstream>

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

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::trunc);
  out << text;
  if (!out) throw UserError(SourceLocation{file.string()}, "", "cannot write the file");
}

}  // namespace

int exit_code_for(const RunResult& result) {
  if (result.status != "failed") return kExitOk;
  if (!result.error) return kExitInternal;
  try {
    std::rethrow_exception(result.error);
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
  write_text(run_dir / "config.yaml", pipeline.resolved_yaml);
  const ScopedLogFile log_file(run_dir / "log.txt");
  const auto start = std::chrono::steady_clock::now();

  nlohmann::json summary;
  summary["name"] = pipeline.name;
  summary["status"] = "running";
  summary["thermo_version"] = THERMO_VERSION;
  summary["started"] = timestamp_now();
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
      MetricsRecorder recorder(run_dir / "metrics.csv", trainer.columns());
      Progress progress(options.label.empty() ? pipeline.name : options.label, pipeline.train->iterations,
                        options.progress);
      summary["learning_rate"] = resources->optimizer().learning_rate();
      summary["log_points"] = trainer.log_points();
      const TrainOutcome outcome = trainer.run(recorder, progress);
      result.status = outcome.status;
      result.message = outcome.message;
      result.iterations = outcome.iterations;
      columns = recorder.columns();
      last_row = recorder.last_row();
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
  if (result.status == "diverged") logger().warn("{}", result.message);

  summary["status"] = result.status;
  summary["message"] = result.message;
  summary["iterations"] = result.iterations;
  summary["seconds"] = result.seconds;
  summary["finished"] = timestamp_now();
  auto metrics = nlohmann::json::object();
  for (std::size_t i = 0; i < columns.size() && i < last_row.size(); ++i) {
    metrics[columns[i]] = std::isfinite(last_row[i]) ? nlohmann::json(last_row[i]) : nlohmann::json(nullptr);
  }
  summary["metrics"] = metrics;
  write_json_file(run_dir / "summary.json", summary);
  return result;
}

}  // namespace thermo::engine
