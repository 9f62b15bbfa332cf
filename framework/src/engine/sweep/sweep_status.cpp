#include "sweep/sweep_status.hpp"

#include "run/json_files.hpp"
#include "run/progress.hpp"
#include "sweep/child_process.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <sstream>

namespace thermo::engine {
namespace {
namespace fs = std::filesystem;

void read_progress(PointStatus& point, const fs::path& run_dir) {
  const fs::path file = run_dir / "progress.json";
  if (!fs::exists(file)) return;
  try {
    const auto progress = read_json_file(file);
    point.iteration = progress.value("iteration", std::int64_t{-1});
    point.iterations = progress.value("iterations", std::int64_t{0});
    point.iterations_per_second = progress.value("iterations_per_second", 0.0);
    if (progress.contains("eta_seconds") && progress["eta_seconds"].is_number()) {
      point.eta_seconds = progress["eta_seconds"].get<double>();
    }
    point.phase = progress.value("phase", "");
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    point.updated_seconds_ago = now - progress.value("updated", std::int64_t{now});
  } catch (const std::exception&) {
    // A progress file being replaced is read next time.
  }
}

// Task index → state, from squeue (queued and running tasks) and sacct (ended ones).
std::map<std::size_t, std::string> slurm_states(const std::string& job, std::string& note) {
  std::map<std::size_t, std::string> states;
  const auto parse = [&](const std::string& text, bool with_reason) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::vector<std::string> fields;
      std::istringstream parts(line);
      std::string field;
      while (std::getline(parts, field, '|')) fields.push_back(field);
      if (fields.size() < 2) continue;
      const auto underscore = fields[0].find('_');
      if (underscore == std::string::npos || fields[0].substr(0, underscore) != job) continue;
      const std::string task = fields[0].substr(underscore + 1);
      if (task.empty() || task.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string state = fields[1];
      if (with_reason && fields.size() > 2 && !fields[2].empty() && fields[2] != "None")
        state += " (" + fields[2] + ")";
      states[static_cast<std::size_t>(std::stoul(task))] = state;
    }
  };
  const CommandOutput accounting = run_command({"sacct", "-n", "-P", "-X", "-j", job, "-o", "JobID,State"});
  if (accounting.exit_code == 0) {
    parse(accounting.out, false);
  } else {
    note = "sacct: " + (accounting.error.empty() ? std::string("unavailable") : accounting.error);
  }
  const CommandOutput queue = run_command({"squeue", "-h", "-r", "-j", job, "-o", "%i|%T|%r"});
  if (queue.exit_code == 0) {
    parse(queue.out, true);  // the queue's view is the newest
  } else if (!queue.error.empty() && queue.error.find("Invalid job id") == std::string::npos) {
    note += (note.empty() ? "" : "; ") + std::string("squeue: ") + queue.error;
  }
  while (!note.empty() && (note.back() == '\n' || note.back() == ' ')) note.pop_back();
  return states;
}

std::string latest_array_job(const fs::path& sweep_dir) {
  const fs::path file = sweep_dir / "slurm" / "jobs.json";
  if (!fs::exists(file)) return {};
  const auto document = read_json_file(file);
  const auto submissions = document.value("submissions", nlohmann::json::array());
  if (!submissions.is_array() || submissions.empty()) return {};
  return submissions.back().value("array_job", "");
}

}  // namespace

SweepStatus read_sweep_status(const fs::path& dir) {
  const Experiment experiment = Experiment::open(dir);
  SweepStatus status;
  status.name = experiment.name;
  status.is_sweep = experiment.is_sweep;
  for (const auto& run : experiment.runs) {
    PointStatus point;
    point.index = run.index;
    point.label = run.label;
    point.status = run.status;
    point.message = run.message;
    if (point.status == "running" || point.status == "pending" || point.status == "interrupted") {
      read_progress(point, run.dir);
    }
    status.points.push_back(std::move(point));
  }
  if (experiment.is_sweep) {
    status.slurm_job = latest_array_job(dir);
    if (!status.slurm_job.empty()) {
      const auto states = slurm_states(status.slurm_job, status.slurm_note);
      for (auto& point : status.points) {
        if (const auto it = states.find(point.index); it != states.end()) point.slurm = it->second;
      }
    }
  }
  return status;
}

std::string format_sweep_status(const SweepStatus& status) {
  std::string text = fmt::format("{}{}\n", status.name,
                                 status.slurm_job.empty() ? std::string() : " (Slurm job " + status.slurm_job + ")");
  std::map<std::string, int> counts;
  for (const auto& point : status.points) {
    ++counts[point.status];
    std::string detail;
    if (point.iteration >= 0 && point.status != "completed" && point.status != "diverged") {
      const double percent = point.iterations > 0
                                 ? 100.0 * static_cast<double>(point.iteration) / static_cast<double>(point.iterations)
                                 : 0;
      detail = fmt::format("iteration {}/{} ({:.1f}%)", point.iteration, point.iterations, percent);
      if (point.status == "running") {
        detail += fmt::format(", {:.1f} it/s, ETA {}", point.iterations_per_second,
                              point.eta_seconds >= 0 ? format_duration(point.eta_seconds) : std::string("?"));
        if (!point.phase.empty() && point.phase != "training") detail += ", " + point.phase;
        if (point.updated_seconds_ago > 120)
          detail += fmt::format(" (updated {} ago)", format_duration(point.updated_seconds_ago));
      }
    }
    if (!point.message.empty() && point.status != "completed") {
      detail += (detail.empty() ? "" : "; ") + point.message.substr(0, point.message.find('\n'));
    }
    if (!point.slurm.empty()) detail += (detail.empty() ? "" : "; ") + std::string("slurm: ") + point.slurm;
    text += fmt::format("  {:<28} {:<11} {}\n", point.label, point.status, detail);
  }
  std::string summary;
  for (const auto& [state, count] : counts)
    summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", count, state);
  text += fmt::format("{} point{}: {}\n", status.points.size(), status.points.size() == 1 ? "" : "s", summary);
  const bool all_finished = std::all_of(status.points.begin(), status.points.end(), [](const PointStatus& point) {
    return point.status == "completed" || point.status == "diverged";
  });
  if (!status.slurm_note.empty() && !all_finished) text += "note: " + status.slurm_note + "\n";
  return text;
}

}  // namespace thermo::engine
