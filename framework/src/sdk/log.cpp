#include <thermo/log.hpp>

#include <mutex>

namespace thermo {
namespace {
std::mutex& logger_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::shared_ptr<spdlog::logger>& host_logger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}
}  // namespace

spdlog::logger& logger() { return *shared_logger(); }

std::shared_ptr<spdlog::logger> shared_logger() {
  std::lock_guard lock(logger_mutex());
  auto& current = host_logger();
  if (!current) current = spdlog::default_logger();
  return current;
}

void set_logger(std::shared_ptr<spdlog::logger> logger) {
  std::lock_guard lock(logger_mutex());
  host_logger() = std::move(logger);
}

}  // namespace thermo
