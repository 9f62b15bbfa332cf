// Exact resume: a run killed with SIGKILL three times — once inside a log step, once inside the
// write of a resume state, once at a random moment — and resumed each time writes a metrics.csv,
// checkpoints and final resume state byte-identical to those of the same run never stopped
// (cpu backend, same thread count). The quickstart's model (ConvNet(8), Fashion-MNIST) with a
// small queue.
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

using namespace thermo::testing;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kPipeline = R"(thermo: 1
name: resume
backend: cpu
dataset: {plugin: fashion_mnist, path: /usr/share/datasets/fashion-mnist, samples_per_label: 60, seed: 1, test: false}
model: {plugin: convnet, channels: 8, last_layer_norm: 10.0, init_seed: 1, head_seed: 4}
loss: cross_entropy
optimizer: {plugin: sphere_sgd, elr: 0.01}
train: {iters: 240, batch_size: 32, seed: 1, log: {every: 40}, checkpoints: {every: 80}}
estimators:
  - {plugin: gradient_noise, samples: 60}
  - {plugin: knn_entropy, queue: 30, ks: [1, 5, 20]}
)";

// `thermo run p.yaml --out out ...` in `dir`, in the background; stderr appended to err.txt.
class Thermo {
 public:
  Thermo(const fs::path& dir, const std::vector<std::string>& arguments) {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (::chdir(dir.c_str()) != 0) std::_Exit(120);
      ::setenv("THERMO_PLUGIN_PATH", plugin_path().c_str(), 1);
      const int err = ::open("err.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int out = ::open("out.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(err, STDERR_FILENO);
      ::dup2(out, STDOUT_FILENO);
      const std::string binary = thermo_binary().string();
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      std::_Exit(121);
    }
  }
  void kill_now() const { ::kill(pid_, SIGKILL); }
  // The exit code, or 128 + the signal that ended it.
  int wait() const {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  [[nodiscard]] bool running() const {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

std::vector<std::string> run_arguments(bool resume) {
  std::vector<std::string> arguments{"run", "p.yaml",           "--out", "out", "--threads", "1", "--checkpoint-every",
                                     "0.4", "--progress-every", "0.05"};
  if (resume) arguments.emplace_back("--resume");
  return arguments;
}

std::size_t count_of(const std::string& text, const std::string& word) {
  std::size_t count = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

bool has_state(const fs::path& state_dir) {
  if (!fs::exists(state_dir)) return false;
  for (const auto& entry : fs::directory_iterator(state_dir)) {
    if (entry.path().extension() == ".thermo") return true;
  }
  return false;
}

bool has_partial(const fs::path& state_dir) {
  for (const auto& entry : fs::directory_iterator(state_dir)) {
    if (entry.path().filename().string().find(".partial-") != std::string::npos) return true;
  }
  return false;
}

// Waits (up to `seconds`) for `ready`; false on timeout or when the run ended first.
template <class Ready>
bool wait_for(const Thermo& thermo, double seconds, Ready ready) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (ready()) return true;
    if (!thermo.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// Kills a resumed run inside a log step: after it has written a state, at a progress line of the
// log step. Returns whether the kill landed before that log step's row was written.
bool kill_inside_log_step(const fs::path& dir) {
  const fs::path out = dir / "out";
  const std::size_t lines_before = count_of(read_file(dir / "err.txt"), "log step at iteration");
  Thermo thermo(dir, run_arguments(true));
  const bool hit = wait_for(thermo, 120, [&] {
    return has_state(out / "state") && count_of(read_file(dir / "err.txt"), "log step at iteration") > lines_before + 1;
  });
  thermo.kill_now();
  thermo.wait();
  if (!hit) return false;
  const std::string err = read_file(dir / "err.txt");
  const auto at = err.rfind("log step at iteration ");
  const long iteration = std::stol(err.substr(at + 22));
  const auto table = read_metrics(out);
  const auto iterations = table.column("iteration");
  INFO("killed in the log step of iteration " << iteration);
  return std::find(iterations.begin(), iterations.end(), static_cast<double>(iteration)) == iterations.end();
}

// Kills a resumed run the moment it creates the temporary file of a resume state. Returns
// whether the kill landed before the state was renamed into place (the temporary is left).
bool kill_inside_state_write(const fs::path& dir) {
  const fs::path state_dir = dir / "out" / "state";
  fs::create_directories(state_dir);
  const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(watch >= 0);
  REQUIRE(::inotify_add_watch(watch, state_dir.c_str(), IN_CREATE) >= 0);
  Thermo thermo(dir, run_arguments(true));
  alignas(inotify_event) char buffer[4096];
  bool hit = false;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (!hit && Clock::now() < deadline && thermo.running()) {
    const ssize_t size = ::read(watch, buffer, sizeof buffer);
    for (ssize_t offset = 0; offset < size;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      if (event->len > 0 && std::string(event->name).find(".partial-") != std::string::npos) hit = true;
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    if (hit) thermo.kill_now();
    if (size <= 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ::close(watch);
  thermo.kill_now();
  thermo.wait();
  return hit && has_partial(state_dir);
}

}  // namespace

TEST_CASE("a run killed three times and resumed each time gives byte-identical files") {
  const auto reference_dir = scratch_dir("resume-reference");
  const auto dir = scratch_dir("resume-killed");
  write_file(reference_dir / "p.yaml", kPipeline);
  write_file(dir / "p.yaml", kPipeline);

  {
    Thermo reference(reference_dir, run_arguments(false));
    REQUIRE(reference.wait() == 0);
  }

  // The first attempt starts the run; it is killed at a random moment after it has made its
  // directory (`thermo run` first projects the run's memory, which writes nothing).
  std::random_device device;
  std::mt19937 generator(device());
  const double delay = std::uniform_real_distribution<double>(0.5, 4.0)(generator);
  {
    Thermo first(dir, run_arguments(false));
    REQUIRE(wait_for(first, 120, [&] { return fs::exists(dir / "out" / "config.yaml"); }));
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    first.kill_now();
    INFO("first attempt killed after " << delay << " s");
    first.wait();
  }
  int log_step_kills = 0;
  for (int attempt = 0; attempt < 5 && log_step_kills == 0; ++attempt)
    log_step_kills += kill_inside_log_step(dir) ? 1 : 0;
  CHECK(log_step_kills == 1);
  int state_write_kills = 0;
  for (int attempt = 0; attempt < 8 && state_write_kills == 0; ++attempt) {
    state_write_kills += kill_inside_state_write(dir) ? 1 : 0;
  }
  CHECK(state_write_kills == 1);

  Thermo last(dir, run_arguments(true));
  const int code = last.wait();
  INFO(read_file(dir / "err.txt"));
  REQUIRE(code == 0);
  CHECK(read_file(dir / "err.txt").find("resuming at iteration") != std::string::npos);

  const fs::path a = reference_dir / "out";
  const fs::path b = dir / "out";
  CHECK(read_file(a / "metrics.csv") == read_file(b / "metrics.csv"));
  CHECK(read_metrics(b).row_count() == 7);
  const fs::path final_state = fs::path("state") / "state-0000000240.thermo";
  REQUIRE(fs::exists(a / final_state));
  REQUIRE(fs::exists(b / final_state));
  CHECK(read_file(a / final_state) == read_file(b / final_state));
  for (const char* name :
       {"params_00000000.npy", "params_00000080.npy", "params_00000240.npy", "stoch_grad_00000160.npy"}) {
    INFO(name);
    CHECK(read_file(a / "checkpoints" / name) == read_file(b / "checkpoints" / name));
  }
  // Only the newest two states are kept.
  std::size_t states = 0;
  for (const auto& entry : fs::directory_iterator(b / "state")) states += entry.path().extension() == ".thermo";
  CHECK(states <= 2);
  const auto summary = read_json(b / "summary.json");
  CHECK(summary["status"] == "completed");
  CHECK(summary["resumed"].size() >= 3);
}
