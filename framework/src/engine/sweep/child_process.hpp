#pragma once
// Starting and reaping the child processes that run sweep points.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace thermo::engine {

// Starts arguments[0] with the arguments; stdout and stderr go to `console` when not empty.
// Returns the pid; throws std::runtime_error when the process cannot be started.
int spawn_child(const std::vector<std::string>& arguments, const std::filesystem::path& console);

struct ChildExit {
  int pid = -1;
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal killed it

  // "exited with code 2" / "killed by signal 11 (Segmentation fault)".
  [[nodiscard]] std::string describe() const;
};

// A child that has ended, if any, without waiting.
[[nodiscard]] std::optional<ChildExit> poll_child();

// A command run to its end with its output captured (sbatch, squeue, sacct).
struct CommandOutput {
  int exit_code = -1;  // -1 when it could not be started or was killed
  std::string out;     // stdout
  std::string error;   // stderr, or why it could not be started
};
// Runs arguments[0] (looked up on PATH) with the arguments and waits for it.
[[nodiscard]] CommandOutput run_command(const std::vector<std::string>& arguments);

// In a sweep point's process: end (SIGTERM) when the sweep's process `parent` ends, so that a
// killed sweep leaves no point running into its directories; exits at once when it has already
// ended. 0 does nothing (a point started by hand).
void end_with_parent(long parent);

}  // namespace thermo::engine
