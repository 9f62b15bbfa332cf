#include "run/log_sink.hpp"

#include <thermo/log.hpp>

#include <algorithm>

namespace thermo::engine {

ScopedLogFile::ScopedLogFile(const std::filesystem::path& file)
    : sink_(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), false)) {
  sink_->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
  logger().sinks().push_back(sink_);
}

ScopedLogFile::~ScopedLogFile() {
  auto& sinks = logger().sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  try {
    sink_->flush();
  } catch (const std::exception&) {
    // A full disk refuses the log's last lines; what the run wrote elsewhere says what happened.
  }
}

}  // namespace thermo::engine
