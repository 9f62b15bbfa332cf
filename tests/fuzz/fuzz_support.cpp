#include "fuzz_support.hpp"

#include <thermo/log.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <system_error>

namespace thermo::fuzz {
namespace {

std::filesystem::path make_scratch_folder() {
  std::error_code error;
  const std::filesystem::path memory("/dev/shm");
  const std::filesystem::path base =
      std::filesystem::is_directory(memory, error) ? memory : std::filesystem::temp_directory_path();
  auto folder = base / fmt::format("thermo-fuzz-{}", ::getpid());
  std::filesystem::remove_all(folder, error);
  std::filesystem::create_directories(folder);
  return folder;
}

void remove_scratch_folder() {
  std::error_code error;
  std::filesystem::remove_all(scratch_folder(), error);
}

}  // namespace

const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path folder = [] {
    auto created = make_scratch_folder();
    std::atexit(remove_scratch_folder);
    return created;
  }();
  return folder;
}

std::filesystem::path write_scratch_file(std::string_view name, std::span<const std::uint8_t> bytes) {
  auto file = scratch_folder() / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write the scratch file %s\n", file.c_str());
    std::abort();
  }
  return file;
}

void silence_logging() {
  auto logger = std::make_shared<spdlog::logger>("fuzz");  // no sinks
  logger->set_level(spdlog::level::off);
  set_logger(logger);
}

}  // namespace thermo::fuzz
