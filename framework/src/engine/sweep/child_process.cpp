#include "sweep/child_process.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace thermo::engine {

int spawn_child(const std::vector<std::string>& arguments, const std::filesystem::path& console) {
  std::vector<char*> argv;
  argv.reserve(arguments.size() + 1);
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!console.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, console.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  pid_t pid = 0;
  const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", arguments[0], std::strerror(error)));
  return pid;
}

std::string ChildExit::describe() const {
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exited with code {}", exit_code);
}

std::optional<ChildExit> poll_child() {
  int status = 0;
  pid_t pid = -1;
  do {
    pid = waitpid(-1, &status, WNOHANG);
  } while (pid < 0 && errno == EINTR);
  if (pid == 0) return std::nullopt;
  if (pid < 0) throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
  ChildExit exit;
  exit.pid = pid;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

namespace {
std::string read_all(int descriptor) {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t count = ::read(descriptor, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    text.append(buffer, static_cast<std::size_t>(count));
  }
  return text;
}
}  // namespace

CommandOutput run_command(const std::vector<std::string>& arguments) {
  CommandOutput output;
  // stderr goes to a file: reading two pipes in turn could dead-lock on a chatty command.
  char error_template[] = "/tmp/thermo-command-XXXXXX";
  const int error_descriptor = ::mkostemp(error_template, O_CLOEXEC);
  int out_pipe[2] = {-1, -1};
  if (error_descriptor < 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    output.error = std::strerror(errno);
    if (error_descriptor >= 0) ::close(error_descriptor);
    return output;
  }
  ::unlink(error_template);
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, error_descriptor, STDERR_FILENO);
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  if (spawn_error != 0) {
    output.error = fmt::format("cannot run {}: {}", arguments[0], std::strerror(spawn_error));
    ::close(out_pipe[0]);
    ::close(error_descriptor);
    return output;
  }
  output.out = read_all(out_pipe[0]);
  ::close(out_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::lseek(error_descriptor, 0, SEEK_SET);
  output.error = read_all(error_descriptor);
  ::close(error_descriptor);
  if (WIFEXITED(status)) output.exit_code = WEXITSTATUS(status);
  return output;
}

void end_with_parent(long parent) {
  if (parent <= 0) return;
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
    throw std::runtime_error(fmt::format("prctl(PR_SET_PDEATHSIG): {}", std::strerror(errno)));
  }
  // The parent may have ended before prctl: then this process was re-parented already.
  if (getppid() != static_cast<pid_t>(parent)) std::_Exit(1);
}

}  // namespace thermo::engine
