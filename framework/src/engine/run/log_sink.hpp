#pragma once
// While alive, everything logged also goes to a run's log.txt.

#include <spdlog/sinks/basic_file_sink.h>

#include <filesystem>
#include <memory>

namespace thermo::engine {

class ScopedLogFile {
 public:
  explicit ScopedLogFile(const std::filesystem::path& file);
  ~ScopedLogFile();
  ScopedLogFile(const ScopedLogFile&) = delete;
  ScopedLogFile& operator=(const ScopedLogFile&) = delete;

 private:
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink_;
};

}  // namespace thermo::engine
