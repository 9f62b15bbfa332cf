#include "sweep/sweep_runner.hpp"

#include "config/load_pipeline.hpp"
#include "run/interruption.hpp"
#include "run/runner.hpp"
#include "sweep/child_process.hpp"
#include "sweep/manifest.hpp"
#include "sweep/sweep_directory.hpp"
#include "util/text.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <thread>

namespace thermo::engine {
namespace {
namespace fs = std::filesystem;

std::string describe_overrides(const std::vector<Override>& overrides) {
  std::vector<std::string> parts;
  for (const auto& override_value : overrides) parts.push_back(override_value.key + "=" + override_value.value_yaml);
  return join(parts, " ");
}

// Counts and logs how a point ended, and saves the manifest.
class SweepBook {
 public:
  SweepBook(Manifest& manifest, const fs::path& sweep_dir, SweepResult& result)
      : manifest_(manifest), sweep_dir_(sweep_dir), result_(result) {}

  void finish_point(std::size_t index, const std::string& fallback_message) {
    auto& entry = manifest_.points[index];
    entry.status = "failed";
    entry.message = fallback_message;
    refresh_from_summary(entry, sweep_dir_);
    if (entry.status == "interrupted" && !fallback_message.empty() && result_.signal == 0) {
      // The summary still says running: the process died without writing its end.
      entry.status = "failed";
      entry.message = fallback_message;
    }
    if (entry.status == "completed") ++result_.completed;
    if (entry.status == "diverged") ++result_.diverged;
    if (entry.status == "failed") ++result_.failed;
    if (entry.status == "interrupted") ++result_.interrupted;
    const std::size_t done = result_.completed + result_.diverged + result_.failed + result_.skipped;
    const std::string message = entry.message.empty() ? std::string() : ": " + entry.message;
    if (entry.status == "failed") {
      logger().error("[{}/{}] {} failed{}", done, manifest_.points.size(), entry.point.label, message);
    } else {
      logger().info("[{}/{}] {} {}{} ({:.1f} s)", done, manifest_.points.size(), entry.point.label, entry.status,
                    message, entry.seconds);
    }
    manifest_.save(sweep_dir_);
  }

  void mark_running(std::size_t index) {
    manifest_.points[index].status = "running";
    manifest_.points[index].message.clear();
    manifest_.save(sweep_dir_);
  }

 private:
  Manifest& manifest_;
  const fs::path& sweep_dir_;
  SweepResult& result_;
};

void run_in_process(const Manifest& manifest, const std::vector<std::size_t>& todo, const fs::path& sweep_dir,
                    PluginRegistry& registry, const SweepOptions& options, std::int64_t threads, SweepBook& book,
                    SweepResult& result) {
  for (std::size_t position = 0; position < todo.size(); ++position) {
    if (result.signal != 0 || result.storage_failure) {
      result.not_started = todo.size() - position;
      return;
    }
    const std::size_t index = todo[position];
    std::string failure;
    try {
      book.mark_running(index);
      const fs::path run_dir = sweep_dir / manifest.points[index].dir;
      const Pipeline point_pipeline = load_pipeline(run_dir / "config.yaml", {}, registry);
      RunOptions run_options;
      run_options.threads = threads;
      run_options.backend = options.backend;
      run_options.progress = Progress::Style::silent;
      run_options.label = manifest.points[index].point.label;
      run_options.resume = options.resume;
      run_options.force = options.force;
      run_options.checkpoint_every = options.checkpoint_every;
      run_options.progress_every = options.progress_every;
      const RunResult run = execute_run(point_pipeline, run_dir, registry, run_options);
      failure = run.message;
      if (exit_code_for(run) == kExitStorage) result.storage_failure = true;
    } catch (const StorageError& error) {
      failure = format_error(error);
      result.storage_failure = true;
    } catch (const std::exception& error) {
      failure = error.what();
    }
    result.signal = interruption_signal();
    book.finish_point(index, failure);
  }
}

std::vector<std::string> point_arguments(const fs::path& self, const fs::path& run_dir, std::int64_t threads,
                                         const SweepOptions& options, bool plain_progress) {
  std::vector<std::string> arguments{self.string(),           "_point",   run_dir.string(),        "--threads",
                                     std::to_string(threads), "--parent", std::to_string(getpid())};
  for (const auto& path : options.plugin_paths) {
    arguments.emplace_back("--plugin-path");
    arguments.push_back(path);
  }
  if (!options.backend.empty()) {
    arguments.emplace_back("--backend");
    arguments.push_back(options.backend);
  }
  if (options.resume) arguments.emplace_back("--resume");
  if (options.force) arguments.emplace_back("--force");
  if (options.checkpoint_every >= 0) {
    arguments.emplace_back("--checkpoint-every");
    arguments.push_back(fmt::format("{}", options.checkpoint_every));
  }
  if (options.progress_every >= 0) {
    arguments.emplace_back("--progress-every");
    arguments.push_back(fmt::format("{}", options.progress_every));
  }
  if (plain_progress) arguments.emplace_back("--plain-progress");
  return arguments;
}

void run_in_children(const Manifest& manifest, const std::vector<std::size_t>& todo, const fs::path& sweep_dir,
                     const SweepOptions& options, std::int64_t jobs, std::int64_t threads_per_job, SweepBook& book,
                     SweepResult& result) {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  std::map<int, std::size_t> running;  // pid → point index
  std::size_t next = 0;
  bool forwarded = false;
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<std::int64_t>(running.size()) < jobs && result.signal == 0 &&
           !result.storage_failure) {
      const std::size_t index = todo[next++];
      const fs::path run_dir = sweep_dir / manifest.points[index].dir;
      // With one job the point owns the terminal (live progress); otherwise its console goes to a file.
      const fs::path console = jobs > 1 ? run_dir / "console.txt" : fs::path();
      const bool plain = jobs > 1 || options.progress != Progress::Style::live;
      try {
        const int pid = spawn_child(point_arguments(self, run_dir, threads_per_job, options, plain), console);
        running[pid] = index;
        book.mark_running(index);
        logger().info("started {} ({})", manifest.points[index].point.label,
                      describe_overrides(manifest.points[index].point.overrides));
      } catch (const std::exception& error) {
        book.finish_point(index, error.what());
      }
    }
    if (running.empty()) break;
    const std::optional<ChildExit> exit = poll_child();
    if (const int signal = interruption_signal(); signal != 0 && !forwarded) {
      result.signal = signal;
      forwarded = true;
      logger().warn("{}: passing it to {} running point(s), which write their resume states; no new point starts",
                    strsignal(signal), running.size());
      for (const auto& [pid, index] : running) ::kill(pid, signal == SIGINT ? SIGTERM : signal);
    }
    if (!exit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto it = running.find(exit->pid);
    if (it == running.end()) continue;
    const std::size_t index = it->second;
    running.erase(it);
    if (exit->exit_code == kExitStorage) result.storage_failure = true;
    book.finish_point(
        index, exit->exit_code == kExitOk || exit->exit_code == kExitInterrupted ? std::string() : exit->describe());
  }
  result.not_started = todo.size() - next;
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
  install_interruption_handlers();
  Manifest manifest = prepare_sweep(pipeline, sweep_dir, registry, options.resume);

  SweepResult result;
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < manifest.points.size(); ++i) {
    if (is_finished_status(manifest.points[i].status)) {
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
  SweepBook book(manifest, sweep_dir, result);
  if (pipeline.executor.in_process) {
    run_in_process(manifest, todo, sweep_dir, registry, options, all_threads, book, result);
  } else {
    run_in_children(manifest, todo, sweep_dir, options, jobs, std::max<std::int64_t>(1, all_threads / jobs), book,
                    result);
  }
  if (result.storage_failure) {
    logger().error("sweep {}: a point could not write its files (full disk?); {} point(s) were not started",
                   pipeline.name, result.not_started);
  }
  return result;
}

}  // namespace thermo::engine
