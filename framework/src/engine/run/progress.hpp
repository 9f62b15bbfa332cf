#pragma once
// Progress of a run: a live line (iteration, it/s, ETA, loss) redrawn on a terminal, or a plain
// log line every few seconds otherwise (Slurm logs, pipes).

#include <chrono>
#include <cstdint>
#include <string>

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

 private:
  void draw(std::int64_t iteration, double loss, bool final_line);

  std::string label_;
  std::int64_t total_;
  Style style_;
  double interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::int64_t start_iteration_ = -1;
  std::int64_t calls_ = 0;
};

// "1:02:03" / "4:05"
[[nodiscard]] std::string format_duration(double seconds);

}  // namespace thermo::engine
