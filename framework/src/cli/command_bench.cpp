// `thermo bench PIPELINE [key=value ...] [--iters N]`: times the training loop alone on the
// pipeline's real set-up (data, model, optimizer, estimators) and one log step, and projects the
// time of the whole pipeline on this machine, and its memory: the projected peak, term by term,
// against the memory this machine has (what `thermo run` checks).
#include "cli_support.hpp"
#include "commands.hpp"

#include "run/memory_limit.hpp"
#include "run/memory_projection.hpp"
#include "run/progress.hpp"
#include "run/run_resources.hpp"
#include "run/schedule.hpp"
#include "run/trainer.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

namespace thermo::cli {
namespace {

struct BenchArguments {
  std::filesystem::path file;
  std::vector<std::string> overrides;
  std::int64_t iterations = 200;
  std::int64_t warmup = 5;
  std::int64_t log_steps = 1;
  std::int64_t threads = 0;
  std::string point;
  std::string backend;
  bool json = false;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json memory_json(const engine::MemoryProjection& memory, const engine::MemoryLimit& limit) {
  nlohmann::json terms = nlohmann::json::array();
  for (const auto& term : memory.terms) {
    terms.push_back({{"name", term.name},
                     {"formula", term.formula},
                     {"host_bytes", term.host_bytes},
                     {"backend_bytes", term.backend_bytes}});
  }
  return {{"terms", terms},
          {"backend_memory_is_host", memory.backend_memory_is_host},
          {"largest_batch", memory.largest_batch},
          {"largest_gradient_batch", memory.largest_gradient_batch},
          {"projected_peak_bytes", memory.machine_total()},
          {"limit_bytes", limit.bytes},
          {"limit_source", limit.source}};
}

int bench(const BenchArguments& arguments, const CommonOptions& common) {
  auto registry = make_registry(common);
  const auto single = single_run_pipeline(arguments.file, parse_overrides(arguments.overrides), registry, arguments.point);
  const engine::Pipeline& pipeline = single.pipeline;
  const std::size_t point_count = single.point_count;
  const std::string& point_label = single.point_label;
  if (!pipeline.train) throw UserError("bench: the pipeline does not train (train: null)");
  engine::RunResources::Options options;
  options.threads = arguments.threads;
  options.backend = arguments.backend;
  auto resources = engine::RunResources::build(pipeline, registry, options);
  engine::Trainer trainer(*resources, *pipeline.train, {});
  auto& backend = resources->backend();
  const engine::MemoryProjection memory = engine::project_memory(*resources, pipeline);
  const engine::MemoryLimit limit = engine::machine_memory_limit();

  for (std::int64_t i = 0; i < arguments.warmup; ++i) trainer.step();
  backend.synchronize();
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < arguments.iterations; ++i) trainer.step();
  backend.synchronize();
  const double step_seconds = seconds_since(start) / static_cast<double>(arguments.iterations);

  double log_seconds = 0.0;
  std::vector<double> row;
  if (arguments.log_steps > 0) {
    start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < arguments.log_steps; ++i) trainer.measure(row);
    backend.synchronize();
    log_seconds = seconds_since(start) / static_cast<double>(arguments.log_steps);
  }

  const auto log_points = static_cast<double>(trainer.log_points());
  const double run_seconds = step_seconds * static_cast<double>(pipeline.train->iterations) + log_seconds * log_points;
  const auto jobs = std::max<std::int64_t>(1, pipeline.executor.jobs);
  const double sweep_seconds = run_seconds * static_cast<double>(point_count) / static_cast<double>(jobs);
  if (arguments.json) {
    nlohmann::json result{{"pipeline", pipeline.name},
                          {"point", point_label},
                          {"backend", backend.description()},
                          {"threads", backend.threads()},
                          {"iterations_timed", arguments.iterations},
                          {"iterations_per_second", 1.0 / step_seconds},
                          {"seconds_per_iteration", step_seconds},
                          {"seconds_per_log_point", log_seconds},
                          {"log_points", log_points},
                          {"projected_run_seconds", run_seconds},
                          {"points", point_count},
                          {"projected_sweep_seconds", sweep_seconds},
                          {"memory", memory_json(memory, limit)}};
    std::cout << result.dump() << '\n';
    return kExitOk;
  }
  std::cout << "pipeline:      " << pipeline.name;
  if (!point_label.empty()) std::cout << " (point " << point_label << " of " << point_count << ")";
  std::cout << "\nbackend:       " << backend.description() << "\n";
  std::cout << fmt::format("training step: {:.2f} it/s ({:.2f} ms per iteration, {} iterations timed)\n",
                           1.0 / step_seconds, 1000.0 * step_seconds, arguments.iterations);
  if (arguments.log_steps > 0) {
    std::cout << fmt::format("log point:     {:.3f} s (train and test evaluation, estimators)\n", log_seconds);
  }
  std::cout << fmt::format("projected run: {} iterations + {} log points = {}\n", pipeline.train->iterations,
                           trainer.log_points(), engine::format_duration(run_seconds));
  if (point_count > 1) {
    std::cout << fmt::format("projected sweep: {} points, {} at a time = {}\n", point_count, jobs,
                             engine::format_duration(sweep_seconds));
  }
  std::cout << "projected peak memory: " << engine::format_bytes(memory.machine_total());
  if (limit.bytes > 0) {
    std::cout << fmt::format(", of {} here ({}){}", engine::format_bytes(limit.bytes), limit.source,
                             memory.machine_total() > limit.bytes ? ": does not fit, `thermo run` refuses it" : "");
  }
  std::cout << '\n';
  for (const auto& line : engine::describe_projection(memory)) std::cout << line << '\n';
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app, CommonOptions& common, Action& action) {
  auto arguments = std::make_shared<BenchArguments>();
  auto* command = app.add_subcommand("bench", "Time the training loop and a log step on the pipeline's real set-up");
  command->add_option("file", arguments->file, "Pipeline file (YAML)")->required();
  command->add_option("overrides", arguments->overrides, "key=value overrides (values are YAML)");
  command->add_option("--iters", arguments->iterations, "Training iterations to time")->check(CLI::PositiveNumber);
  command->add_option("--warmup", arguments->warmup, "Untimed iterations first")->check(CLI::NonNegativeNumber);
  command->add_option("--log-steps", arguments->log_steps, "Log steps to time (0: none)")->check(CLI::NonNegativeNumber);
  command->add_option("--threads", arguments->threads, "Threads (overrides the pipeline)")->check(CLI::NonNegativeNumber);
  command->add_option("--backend", arguments->backend, "Backend (overrides the pipeline)");
  command->add_option("--point", arguments->point, "Which sweep point to time, by index or label (default: the first)");
  command->add_flag("--json", arguments->json, "Print one JSON object instead of text");
  command->callback([arguments, &common, &action] { action = [arguments, &common] { return bench(*arguments, common); }; });
}

}  // namespace thermo::cli
