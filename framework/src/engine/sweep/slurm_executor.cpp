#include "sweep/slurm_executor.hpp"

#include "run/json_files.hpp"
#include "sweep/child_process.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/version.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <chrono>
#include <ctime>

namespace thermo::engine {
namespace {
namespace fs = std::filesystem;

void add_option(std::string& script, const char* option, const std::string& value) {
  if (!value.empty()) script += fmt::format("#SBATCH {}={}\n", option, value);
}

// The #SBATCH lines both jobs share: where they may run and on whose account.
void add_placement(std::string& script, const SlurmSettings& slurm) {
  add_option(script, "--partition", slurm.partition);
  add_option(script, "--account", slurm.account);
  add_option(script, "--qos", slurm.qos);
}

std::string thermo_command(const SlurmScriptOptions& options) {
  std::string command = shell_quote(options.thermo.string());
  for (const auto& path : options.plugin_paths) command += " --plugin-path " + shell_quote(path);
  return command;
}

// Strips the cluster name sbatch --parsable may add ("123;cluster").
std::string job_id_of(const std::string& parsable) {
  std::string id = parsable.substr(0, parsable.find_first_of(";\n"));
  while (!id.empty() && (id.back() == ' ' || id.back() == '\r')) id.pop_back();
  return id;
}

std::string submit(const fs::path& script, const std::vector<std::string>& extra_options) {
  std::vector<std::string> arguments{"sbatch", "--parsable"};
  arguments.insert(arguments.end(), extra_options.begin(), extra_options.end());
  arguments.push_back(script.string());
  const CommandOutput output = run_command(arguments);
  const std::string id = job_id_of(output.out);
  if (output.exit_code != 0 || id.empty()) {
    throw UserError(SourceLocation{script.string()}, "",
                    fmt::format("sbatch refused the script (exit code {}): {}", output.exit_code,
                                output.error.empty() ? output.out : output.error));
  }
  return id;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string array_ranges(const std::vector<std::size_t>& indices) {
  std::string text;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += j == i ? fmt::format("{}", indices[i]) : fmt::format("{}-{}", indices[i], indices[j]);
    i = j + 1;
  }
  return text;
}

SlurmScripts slurm_scripts(const Pipeline& pipeline, const fs::path& sweep_dir, const std::vector<std::size_t>& indices,
                           const SlurmScriptOptions& options) {
  const SlurmSettings& slurm = pipeline.executor.slurm;
  const fs::path slurm_dir = sweep_dir / "slurm";
  SlurmScripts scripts;
  scripts.array = array_ranges(indices);
  if (slurm.concurrent > 0) scripts.array += fmt::format("%{}", slurm.concurrent);

  std::string& points = scripts.points;
  points = "#!/bin/bash\n";
  points += fmt::format("#SBATCH --job-name=thermo-{}\n", pipeline.name);
  points += fmt::format("#SBATCH --array={}\n", scripts.array);
  points += fmt::format("#SBATCH --output={}\n", (slurm_dir / "point-%a.out").string());
  points += "#SBATCH --open-mode=append\n#SBATCH --requeue\n";
  add_option(points, "--signal", slurm.signal);
  add_placement(points, slurm);
  add_option(points, "--time", slurm.time);
  if (slurm.cpus_per_task > 0) add_option(points, "--cpus-per-task", std::to_string(slurm.cpus_per_task));
  add_option(points, "--gpus", slurm.gpus);
  add_option(points, "--mem", slurm.memory);
  for (const auto& extra : slurm.extra) points += fmt::format("#SBATCH {}\n", extra);
  points += fmt::format(
      "# Written by thermo {} for {}: one task per point of the sweep in\n# {}.\n"
      "# A task runs its point, or resumes it from its newest resume state; a finished point exits at once.\n"
      "# The preemption signal makes thermo write its resume state and stop; the task is then requeued.\n",
      THERMO_VERSION, pipeline.file.string(), sweep_dir.string());
  points += "set -u\n";
  std::string point_command = fmt::format(
      "{} _point {} --index \"$SLURM_ARRAY_TASK_ID\" --threads \"${{SLURM_CPUS_PER_TASK:-0}}\" --plain-progress",
      thermo_command(options), shell_quote(sweep_dir.string()));
  if (!options.backend.empty()) point_command += " --backend " + shell_quote(options.backend);
  if (options.checkpoint_every >= 0) point_command += fmt::format(" --checkpoint-every {}", options.checkpoint_every);
  if (options.ignore_memory_limit) point_command += " --ignore-memory-limit";
  points += point_command + " &\n";
  points +=
      "point=$!\n"
      "requeue=0\n"
      "trap 'requeue=1; kill -USR1 \"$point\" 2>/dev/null' USR1\n"
      "trap 'kill -TERM \"$point\" 2>/dev/null' TERM INT\n"
      "# wait returns early when a trapped signal arrives: wait until the point has written its state.\n"
      "status=0\n"
      "while :; do\n"
      "  wait \"$point\"; status=$?\n"
      "  kill -0 \"$point\" 2>/dev/null || break\n"
      "done\n"
      "if [ \"$requeue\" = 1 ] && [ \"$status\" = 4 ]; then\n"
      "  echo \"thermo: preempted; requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
      "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
      "fi\n"
      "exit \"$status\"\n";

  if (!pipeline.analysis.empty() || pipeline.report) {
    std::string& stages = scripts.stages;
    stages = "#!/bin/bash\n";
    stages += fmt::format("#SBATCH --job-name=thermo-{}-stages\n", pipeline.name);
    stages += fmt::format("#SBATCH --output={}\n", (slurm_dir / "stages.out").string());
    add_placement(stages, slurm);
    add_option(stages, "--time", slurm.analysis_time);
    if (slurm.cpus_per_task > 0) add_option(stages, "--cpus-per-task", std::to_string(slurm.cpus_per_task));
    add_option(stages, "--mem", slurm.memory);
    stages += fmt::format(
        "# Written by thermo {}: the analyses and the report of the sweep, once every point has ended\n"
        "# (submitted with --dependency=afterok on the array). `thermo analyze` and `thermo report` redo them.\n",
        THERMO_VERSION);
    stages += fmt::format("exec {} _stages {} --threads \"${{SLURM_CPUS_PER_TASK:-0}}\"\n", thermo_command(options),
                          shell_quote(sweep_dir.string()));
  }
  return scripts;
}

SlurmJobs submit_to_slurm(const fs::path& sweep_dir, const SlurmScripts& scripts) {
  const fs::path slurm_dir = sweep_dir / "slurm";
  fs::create_directories(slurm_dir);
  const fs::path points_file = slurm_dir / "points.sbatch";
  write_file_durably(points_file, scripts.points);
  ::chmod(points_file.c_str(), 0755);
  SlurmJobs jobs;
  jobs.array_job = submit(points_file, {});
  if (!scripts.stages.empty()) {
    const fs::path stages_file = slurm_dir / "stages.sbatch";
    write_file_durably(stages_file, scripts.stages);
    ::chmod(stages_file.c_str(), 0755);
    jobs.stages_job = submit(stages_file, {"--dependency=afterok:" + jobs.array_job});
  }
  nlohmann::json record;
  record["array_job"] = jobs.array_job;
  record["array"] = scripts.array;
  record["stages_job"] = jobs.stages_job;
  record["submitted"] = utc_now();
  nlohmann::json history = nlohmann::json::array();
  const fs::path jobs_file = slurm_dir / "jobs.json";
  if (fs::exists(jobs_file)) {
    try {
      history = read_json_file(jobs_file).value("submissions", nlohmann::json::array());
    } catch (const UserError&) {
    }
  }
  history.push_back(record);
  nlohmann::json document;
  document["submissions"] = history;
  write_json_file(jobs_file, document);
  return jobs;
}

}  // namespace thermo::engine
