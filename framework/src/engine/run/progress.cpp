#include "run/progress.hpp"

#include <thermo/log.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <unistd.h>

namespace thermo::engine {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<std::int64_t>(seconds + 0.5);
  const std::int64_t hours = total / 3600, minutes = (total / 60) % 60, secs = total % 60;
  return hours > 0 ? fmt::format("{}:{:02}:{:02}", hours, minutes, secs) : fmt::format("{}:{:02}", minutes, secs);
}

Progress::Progress(std::string label, std::int64_t total_iterations, Style style, double plain_interval_seconds)
    : label_(std::move(label)),
      total_(total_iterations),
      style_(style),
      interval_(style == Style::live ? 0.25 : plain_interval_seconds),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::Style Progress::style_for_stderr() { return ::isatty(STDERR_FILENO) ? Style::live : Style::plain; }

void Progress::update(std::int64_t iteration, double loss) {
  if (style_ == Style::silent) return;
  if (start_iteration_ < 0) start_iteration_ = iteration;
  // Looking at the clock costs ~20 ns; only every 16th call to keep tiny runs (the toy) fast.
  if ((++calls_ & 15) != 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_draw_).count() < interval_) return;
  last_draw_ = now;
  draw(iteration, loss, false);
}

void Progress::finish(std::int64_t iteration, const std::string& status) {
  if (style_ == Style::silent) return;
  if (style_ == Style::live) std::fputs("\r\033[K", stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  logger().info("{}: {} after {} iterations in {}", label_, status, iteration, format_duration(seconds));
}

void Progress::draw(std::int64_t iteration, double loss, bool final_line) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(iteration - start_iteration_) / seconds : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - iteration) / rate : std::numeric_limits<double>::quiet_NaN();
  const double percent = total_ > 0 ? 100.0 * static_cast<double>(iteration) / static_cast<double>(total_) : 100.0;
  const std::string text = fmt::format("{}: iteration {}/{} ({:.1f}%)  {:.1f} it/s  ETA {}  loss {:.5g}", label_,
                                       iteration, total_, percent, rate, format_duration(eta), loss);
  if (style_ == Style::live) {
    std::fprintf(stderr, "\r\033[K%s%s", text.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    logger().info("{}", text);
  }
}

}  // namespace thermo::engine
