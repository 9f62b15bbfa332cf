#pragma once
// Progress of a run: a live line (iteration, it/s, ETA, loss) redrawn on a terminal, or a plain
// log line every few seconds otherwise (Slurm logs, pipes). Inside a log step, which takes
// minutes on a big model, the line says which estimator computes what, how far, and its ETA.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace thermo::engine {

class Progress {
 public:
  enum class Style { live, plain, silent };

  // `label` prefixes the line (the run or sweep point).
  Progress(std::string label, std::int64_t total_iterations, Style style, double plain_interval_seconds = 10.0);
  // The style that fits stderr: live on a terminal, plain otherwise.
  [[nodiscard]] static Style style_for_stderr();

  // Cheap to call every iteration: it looks at the clock and draws at most a few times a second.
  void update(std::int64_t iteration, double loss);
  void finish(std::int64_t iteration, const std::string& status);

  // Also writes progress.json there (iteration, rate, ETA, what the run is doing), at most every
  // `interval` seconds, for `thermo status` to read from another process.
  void set_status_file(std::filesystem::path file, double interval_seconds = 30.0);

  // A log step: begin, then reports from the estimators (throttled like update), then end.
  void begin_log_step(std::int64_t iteration);
  void log_step(std::string_view estimator, std::string_view what, std::int64_t done, std::int64_t total);
  void end_log_step();

 private:
  void draw(std::int64_t iteration, double loss, bool final_line);
  void show(const std::string& text);
  void write_status(std::int64_t iteration, const std::string& phase, bool force);

  std::string label_;
  std::int64_t total_;
  Style style_;
  double interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::int64_t start_iteration_ = -1;
  std::int64_t calls_ = 0;
  std::int64_t log_iteration_ = -1;
  std::chrono::steady_clock::time_point log_start_;
  std::string log_estimator_;  // the estimator whose ETA is measured from log_part_start_
  std::chrono::steady_clock::time_point log_part_start_;
  std::filesystem::path status_file_;
  double status_interval_ = 30.0;
  std::chrono::steady_clock::time_point last_status_;
  std::int64_t last_iteration_ = 0;
};

// "1:02:03" / "4:05"
[[nodiscard]] std::string format_duration(double seconds);

}  // namespace thermo::engine
