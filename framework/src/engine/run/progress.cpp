#include "run/progress.hpp"

#include "run/json_files.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <limits>

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

Progress::Style Progress::style_for_stderr() {
  return ::isatty(STDERR_FILENO) ? Style::live : Style::plain;
}

void Progress::set_status_file(std::filesystem::path file, double interval_seconds) {
  status_file_ = std::move(file);
  status_interval_ = interval_seconds;
  last_status_ = std::chrono::steady_clock::now();
}

void Progress::write_status(std::int64_t iteration, const std::string& phase, bool force) {
  if (status_file_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && std::chrono::duration<double>(now - last_status_).count() < status_interval_) return;
  last_status_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate =
      seconds > 0 && start_iteration_ >= 0 ? static_cast<double>(iteration - start_iteration_) / seconds : 0.0;
  nlohmann::json status;
  status["iteration"] = iteration;
  status["iterations"] = total_;
  status["iterations_per_second"] = rate;
  status["eta_seconds"] = rate > 0 ? nlohmann::json(static_cast<double>(total_ - iteration) / rate) : nlohmann::json();
  status["phase"] = phase;
  status["updated"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  try {
    write_json_file(status_file_, status);
  } catch (const UserError& error) {
    logger().warn("{}", format_error(error));  // progress is informative; the run goes on
  }
}

void Progress::update(std::int64_t iteration, double loss) {
  if (start_iteration_ < 0) {
    start_iteration_ = iteration;
    write_status(iteration, "training", true);  // at once: `thermo status` sees the run has started
  }
  last_iteration_ = iteration;
  // Looking at the clock costs ~20 ns; only every 16th call to keep tiny runs (the toy) fast.
  if ((++calls_ & 15) != 0) return;
  if (!status_file_.empty()) write_status(iteration, "training", false);
  if (style_ == Style::silent) return;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_draw_).count() < interval_) return;
  last_draw_ = now;
  draw(iteration, loss, false);
}

void Progress::finish(std::int64_t iteration, const std::string& status) {
  write_status(iteration, status, true);
  if (style_ == Style::silent) return;
  if (style_ == Style::live) std::fputs("\r\033[K", stderr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  logger().info("{}: {} after {} iterations in {}", label_, status, iteration, format_duration(seconds));
}

void Progress::begin_log_step(std::int64_t iteration) {
  log_iteration_ = iteration;
  log_start_ = std::chrono::steady_clock::now();
  log_estimator_.clear();
}

void Progress::log_step(std::string_view estimator, std::string_view what, std::int64_t done, std::int64_t total) {
  const auto now = std::chrono::steady_clock::now();
  if (estimator != log_estimator_) {
    log_estimator_ = estimator;
    log_part_start_ = now;
  }
  if (!status_file_.empty()) {
    write_status(log_iteration_, fmt::format("log step: {} {}/{} {}", estimator, done, total, what), false);
  }
  if (style_ == Style::silent) return;
  if (std::chrono::duration<double>(now - last_draw_).count() < interval_) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - log_part_start_).count();
  const double eta = done > 0 ? seconds * static_cast<double>(total - done) / static_cast<double>(done)
                              : std::numeric_limits<double>::quiet_NaN();
  show(fmt::format("{}: log step at iteration {}: {} {}/{} {}, ETA {}", label_, log_iteration_, estimator, done, total,
                   what, format_duration(eta)));
}

void Progress::end_log_step() {
  if (style_ == Style::silent || log_iteration_ < 0) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - log_start_).count();
  // Short log steps (most of them) stay silent; a long one says when it is done.
  if (seconds >= interval_ && style_ == Style::plain) {
    logger().info("{}: log step at iteration {} took {}", label_, log_iteration_, format_duration(seconds));
  }
  log_iteration_ = -1;
}

void Progress::show(const std::string& text) {
  if (style_ == Style::live) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
  } else {
    logger().info("{}", text);
  }
}

void Progress::draw(std::int64_t iteration, double loss, bool final_line) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(iteration - start_iteration_) / seconds : 0.0;
  const double eta =
      rate > 0 ? static_cast<double>(total_ - iteration) / rate : std::numeric_limits<double>::quiet_NaN();
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
