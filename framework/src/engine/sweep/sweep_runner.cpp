#include "sweep/sweep_runner.hpp"

#include "config/load_pipeline.hpp"
#include "run/json_files.hpp"
#include "run/runner.hpp"
#include "sweep/child_process.hpp"
#include "sweep/manifest.hpp"
#include "util/text.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace thermo::engine {
namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool finished(const std::string& status) {
  return status == "completed" || status == "diverged";
}

// Status and message of a point from its summary.json, or "pending".
void refresh_from_summary(ManifestPoint& entry, const fs::path& sweep_dir) {
  const auto summary_file = sweep_dir / entry.dir / "summary.json";
  if (!fs::exists(summary_file)) return;
  try {
    const auto summary = read_json_file(summary_file);
    entry.status = summary.value("status", "failed");
    entry.message = summary.value("message", "");
    entry.seconds = summary.value("seconds", 0.0);
  } catch (const UserError&) {
    entry.status = "failed";
    entry.message = "unreadable summary.json";
  }
  if (entry.status == "running") entry.status = "interrupted";
}

std::string describe_overrides(const std::vector<Override>& overrides) {
  std::vector<std::string> parts;
  for (const auto& override_value : overrides) parts.push_back(override_value.key + "=" + override_value.value_yaml);
  return join(parts, " ");
}

}  // namespace

std::vector<std::string> describe_sweep(const Pipeline& pipeline) {
  std::vector<std::string> lines;
  for (const auto& point : expand_sweep(pipeline)) {
    lines.push_back(fmt::format("{}  {}", point.label, describe_overrides(point.overrides)));
  }
  return lines;
}

SweepResult execute_sweep(const Pipeline& pipeline, const fs::path& sweep_dir, PluginRegistry& registry,
                          const SweepOptions& options) {
  const auto config_file = sweep_dir / "config.yaml";
  if (options.resume && fs::exists(config_file)) {
    if (read_text(config_file) != pipeline.resolved_yaml) {
      throw UserError(SourceLocation{config_file.string()}, "",
                      "this sweep was started with another pipeline (the resolved configuration differs); "
                      "use --force to start it over or another --out");
    }
  } else {
    std::ofstream(config_file, std::ios::trunc) << pipeline.resolved_yaml;
  }

  Manifest manifest;
  manifest.name = pipeline.name;
  manifest.pipeline_file = pipeline.file.string();
  manifest.config = pipeline.resolved;
  for (const auto& axis : pipeline.sweep) manifest.swept_keys.push_back(axis.key);
  for (auto& point : expand_sweep(pipeline)) {
    ManifestPoint entry;
    entry.dir = (fs::path("runs") / point.label).string();
    entry.point = std::move(point);
    refresh_from_summary(entry, sweep_dir);
    manifest.points.push_back(std::move(entry));
  }
  manifest.save(sweep_dir);

  SweepResult result;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < manifest.points.size(); ++i) {
    if (finished(manifest.points[i].status)) {
      ++result.skipped;
    } else {
      todo.push_back(i);
    }
  }
  if (result.skipped > 0) {
    logger().info("sweep {}: {} of {} points already finished, {} to run", pipeline.name, result.skipped,
                  manifest.points.size(), todo.size());
  }

  const std::int64_t jobs = std::max<std::int64_t>(1, options.jobs > 0 ? options.jobs : pipeline.executor.jobs);
  const std::int64_t all_threads =
      options.threads > 0
          ? options.threads
          : (pipeline.threads > 0 ? pipeline.threads : static_cast<std::int64_t>(std::thread::hardware_concurrency()));
  const std::int64_t threads_per_job = std::max<std::int64_t>(1, all_threads / jobs);

  auto start_point = [&](std::size_t index) {
    auto& entry = manifest.points[index];
    const fs::path run_dir = sweep_dir / entry.dir;
    fs::remove_all(run_dir);  // unfinished points restart from scratch
    fs::create_directories(run_dir);
    entry.status = "running";
    entry.message.clear();
    // The point's own resolved pipeline, from the sweep's resolved configuration.
    const Pipeline point_pipeline = load_point_pipeline(config_file, {}, entry.point, registry);
    std::ofstream(run_dir / "config.yaml", std::ios::trunc) << point_pipeline.resolved_yaml;
    return run_dir;
  };
  auto finish_point = [&](std::size_t index, const std::string& fallback_message) {
    auto& entry = manifest.points[index];
    entry.status = "failed";
    entry.message = fallback_message;
    refresh_from_summary(entry, sweep_dir);
    if (entry.status == "interrupted") {
      entry.status = "failed";
      entry.message = fallback_message;
    }
    if (entry.status == "completed") ++result.completed;
    if (entry.status == "diverged") ++result.diverged;
    if (entry.status == "failed") ++result.failed;
    const std::size_t done = result.completed + result.diverged + result.failed + result.skipped;
    const std::string message = entry.message.empty() ? std::string() : ": " + entry.message;
    if (entry.status == "failed") {
      logger().error("[{}/{}] {} failed{}", done, manifest.points.size(), entry.point.label, message);
    } else {
      logger().info("[{}/{}] {} {}{} ({:.1f} s)", done, manifest.points.size(), entry.point.label, entry.status,
                    message, entry.seconds);
    }
    manifest.save(sweep_dir);
  };

  if (pipeline.executor.in_process) {
    for (std::size_t index : todo) {
      std::string failure;
      try {
        const fs::path run_dir = start_point(index);
        manifest.save(sweep_dir);
        const Pipeline point_pipeline = load_pipeline(run_dir / "config.yaml", {}, registry);
        RunOptions run_options;
        run_options.threads = all_threads;
        run_options.backend = options.backend;
        run_options.progress = Progress::Style::silent;
        run_options.label = manifest.points[index].point.label;
        const RunResult run = execute_run(point_pipeline, run_dir, registry, run_options);
        failure = run.message;
      } catch (const std::exception& error) {
        failure = error.what();
      }
      finish_point(index, failure);
    }
    return result;
  }

  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::map<int, std::size_t> running;  // pid → point index
  std::size_t next = 0;
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<std::int64_t>(running.size()) < jobs) {
      const std::size_t index = todo[next++];
      std::vector<std::string> arguments{
          self.string(),           "_point", "", "--threads", std::to_string(threads_per_job), "--parent",
          std::to_string(getpid())};
      try {
        const fs::path run_dir = start_point(index);
        arguments[2] = run_dir.string();
        if (!options.backend.empty()) {
          arguments.emplace_back("--backend");
          arguments.push_back(options.backend);
        }
        // With one job the point owns the terminal (live progress); otherwise its console goes to a file.
        const fs::path console = jobs > 1 ? run_dir / "console.txt" : fs::path();
        if (jobs > 1 || options.progress != Progress::Style::live) arguments.emplace_back("--plain-progress");
        const int pid = spawn_child(arguments, console);
        running[pid] = index;
        manifest.save(sweep_dir);
        logger().info("started {} ({})", manifest.points[index].point.label,
                      describe_overrides(manifest.points[index].point.overrides));
      } catch (const std::exception& error) {
        finish_point(index, error.what());
      }
    }
    if (running.empty()) continue;
    const ChildExit exit = wait_for_child();
    const auto it = running.find(exit.pid);
    if (it == running.end()) continue;
    const std::size_t index = it->second;
    running.erase(it);
    finish_point(index, exit.describe());
  }
  return result;
}

}  // namespace thermo::engine
