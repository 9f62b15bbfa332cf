#include "gnuplot_runner.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <vector>

extern char** environ;

namespace thermo::gnuplot_report {
namespace {

// Owns the file actions of one spawn and the pipe that collects the child's stderr.
class SpawnSetup {
 public:
  SpawnSetup() {
    if (pipe2(pipe_, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    close_read();
    close_write();
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawn_file_actions_t* actions() { return &actions_; }
  [[nodiscard]] int read_end() const { return pipe_[0]; }
  [[nodiscard]] int write_end() const { return pipe_[1]; }
  void close_read() {
    if (pipe_[0] >= 0) ::close(pipe_[0]);
    pipe_[0] = -1;
  }
  void close_write() {
    if (pipe_[1] >= 0) ::close(pipe_[1]);
    pipe_[1] = -1;
  }

 private:
  int pipe_[2] = {-1, -1};
  posix_spawn_file_actions_t actions_{};
};

std::string read_all(int descriptor) {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t count = ::read(descriptor, buffer, sizeof buffer);
    if (count > 0) {
      text.append(buffer, static_cast<std::size_t>(count));
    } else if (count == 0 || errno != EINTR) {
      break;
    }
  }
  return text;
}

}  // namespace

std::string run_gnuplot(const std::string& program, const std::filesystem::path& script) {
  const std::string folder = script.parent_path().empty() ? "." : script.parent_path().string();
  const std::string name = script.filename().string();
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(setup.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(setup.actions(), STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(setup.actions(), setup.write_end(), STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(setup.actions(), folder.c_str());

  std::vector<char*> arguments = {const_cast<char*>(program.c_str()), const_cast<char*>(name.c_str()), nullptr};
  pid_t child = 0;
  const int spawned = posix_spawnp(&child, program.c_str(), setup.actions(), nullptr, arguments.data(), environ);
  if (spawned != 0) {
    throw UserError(SourceLocation{script.string()}, "report.gnuplot",
                    fmt::format("cannot run the gnuplot program '{}' ({}); install gnuplot (Debian: gnuplot-nox) "
                                "or set the report parameter gnuplot to its path",
                                program, std::strerror(spawned)));
  }
  setup.close_write();
  const std::string errors = read_all(setup.read_end());
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) {
    // posix_spawnp reports a missing program only through the child's exit code 127.
    const std::string how = WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                              : fmt::format("signal {}", WTERMSIG(status));
    const std::string hint = WIFEXITED(status) && WEXITSTATUS(status) == 127
                                 ? fmt::format(
                                       " (is '{}' installed? Debian: gnuplot-nox; or set the report "
                                       "parameter gnuplot to its path)",
                                       program)
                                 : "";
    throw UserError(SourceLocation{script.string()}, "",
                    fmt::format("gnuplot ('{}') failed with {}{}: {}", program, how, hint,
                                errors.empty() ? std::string("(it printed nothing)") : errors));
  }
  return errors;
}

}  // namespace thermo::gnuplot_report
