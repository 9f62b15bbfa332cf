#pragma once
// Logging through the host: the engine owns the one spdlog logger (console, and the run's
// log.txt); plugins and the SDK write to it through thermo::logger().

#include <spdlog/spdlog.h>

#include <memory>

namespace thermo {

// The host's logger. Before the host sets one it is spdlog's default logger.
spdlog::logger& logger();

// The host installs its logger here (the CLI does so at start-up, a run adds its log file).
void set_logger(std::shared_ptr<spdlog::logger> logger);
std::shared_ptr<spdlog::logger> shared_logger();

}  // namespace thermo
