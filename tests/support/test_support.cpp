#include "test_support.hpp"

#include <dlfcn.h>
#include <sys/wait.h>

#include <unistd.h>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace thermo::testing {
namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : fallback;
}
}  // namespace

std::filesystem::path scratch_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  const std::filesystem::path root = env_or("THERMO_TEST_TMP", std::filesystem::temp_directory_path().string());
  const auto dir = root / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::filesystem::path source_dir() {
  return env_or("THERMO_SOURCE_DIR", ".");
}
std::filesystem::path build_dir() {
  return env_or("THERMO_BUILD_DIR", ".");
}
std::filesystem::path thermo_binary() {
  return env_or("THERMO_BINARY", "thermo");
}
std::string plugin_path() {
  return env_or("THERMO_PLUGIN_PATH", "");
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& file, const std::string& text) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

CommandResult run_command(const std::string& command_line) {
  const auto dir = scratch_dir("command");
  const auto out_file = dir / "stdout";
  const auto err_file = dir / "stderr";
  const std::string full = command_line + " >'" + out_file.string() + "' 2>'" + err_file.string() + "'";
  const int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_file);
  result.err = read_file(err_file);
  std::filesystem::remove_all(dir);
  return result;
}

namespace {
std::string thermo_command(const std::string& arguments) {
  return "THERMO_PLUGIN_PATH='" + plugin_path() + "' '" + thermo_binary().string() + "' " + arguments;
}
}  // namespace

std::string thermo_command_in(const std::filesystem::path& dir, const std::string& arguments) {
  return "cd '" + dir.string() + "' && " + thermo_command(arguments);
}

CommandResult run_thermo(const std::string& arguments) {
  return run_command(thermo_command(arguments));
}

bool is_library_loaded(const std::filesystem::path& file) {
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle);  // drops only the reference RTLD_NOLOAD added
  return true;
}

}  // namespace thermo::testing
