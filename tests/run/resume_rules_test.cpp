// What --resume accepts: a state of this very experiment; another configuration, thermo version
// or backend is refused with the reason (exit code 2) unless --force; a finished run stays as it is.
// And what a state holds: a resume from any state gives the uninterrupted run's files.
#include "pipeline_test_support.hpp"

#include "run/resume_state.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>

#include <doctest/doctest.h>

using namespace thermo::testing;
using thermo::engine::ResumeStates;
using thermo::engine::RunIdentity;
namespace fs = std::filesystem;

TEST_CASE("resume: another configuration is refused with exit code 2 and the reason; --force overrides") {
  const auto dir = scratch_dir("resume-rules");
  write_file(dir / "p.yaml", toy_pipeline("rules", "up", "null", 3000));
  REQUIRE(run_command(thermo_command_in(dir, "-q run p.yaml --out out")).exit_code == 0);
  REQUIRE(fs::exists(dir / "out" / "state" / "state-0000003000.thermo"));  // the final state

  const auto same = run_command(thermo_command_in(dir, "run p.yaml --out out --resume"));
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  CHECK(same.err.find("resuming at iteration 3000") != std::string::npos);

  const auto changed = run_command(thermo_command_in(dir, "-q run p.yaml --out out --resume optimizer.elr=0.2"));
  CHECK(changed.exit_code == 2);
  CHECK(changed.err.find("state-0000003000.thermo: error: this resume state was written by another configuration") !=
        std::string::npos);
  CHECK(changed.err.find("--force") != std::string::npos);

  const auto forced = run_command(thermo_command_in(dir, "run p.yaml --out out --resume --force optimizer.elr=0.2"));
  CHECK(forced.exit_code == 0);
  CHECK(forced.err.find("resuming anyway (--force)") != std::string::npos);

  // Execution settings are not the experiment: another checkpoint interval or executor resumes.
  const auto executor = run_command(
      thermo_command_in(dir, "-q run p.yaml --out out --resume --checkpoint-every 5 executor.in_process=false"));
  CHECK(executor.exit_code == 0);
}

// A state is written after a step and before that iteration's log step and checkpoint, which read
// the step's stochastic gradient (stoch_grad_norm, stoch_grad_*.npy): the state must carry it. With
// a state every 16th step (the clock is read every 16th) and a log step every 16, every state is
// at a log step; the newest (final) one removed, --resume starts from the one at iteration 48.
TEST_CASE("resume: from a state at a log step's iteration, that log step and checkpoint are the uninterrupted ones") {
  const auto dir = scratch_dir("resume-log-step");
  write_file(dir / "p.yaml", toy_pipeline("log_step_state", "up", "null", 64));
  const std::string run = "run p.yaml --checkpoint-every 1e-9 'train.log={every: 16}' 'train.checkpoints=[48]'";
  REQUIRE(run_command(thermo_command_in(dir, "-q " + run + " --out whole")).exit_code == 0);
  fs::copy(dir / "whole", dir / "resumed", fs::copy_options::recursive);
  REQUIRE(fs::remove(dir / "resumed" / "state" / "state-0000000064.thermo"));
  REQUIRE(fs::exists(dir / "resumed" / "state" / "state-0000000048.thermo"));
  const auto resumed = run_command(thermo_command_in(dir, run + " --out resumed --resume"));
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.err.find("resuming at iteration 48") != std::string::npos);
  CHECK(read_file(dir / "resumed" / "metrics.csv") == read_file(dir / "whole" / "metrics.csv"));
  CHECK(read_file(dir / "resumed" / "checkpoints" / "stoch_grad_00000048.npy") ==
        read_file(dir / "whole" / "checkpoints" / "stoch_grad_00000048.npy"));
}

TEST_CASE("resume: a state of another thermo version or backend is refused, naming both") {
  const auto dir = scratch_dir("resume-identity");
  const ResumeStates states(dir);
  const RunIdentity written{"{\"name\":\"x\"}", "0.0.9", "cuda", 8};
  states.write(10, written, [](thermo::StateArchive& archive) { archive.put_i64("trainer.iteration", 10); });
  auto found = states.newest_valid();
  REQUIRE(found);
  CHECK(found->file.filename() == "state-0000000010.thermo");
  const RunIdentity here{"{\"name\":\"x\"}", "0.1.0", "cpu", 2};
  CHECK_THROWS_WITH_AS(ResumeStates::check_identity(found->archive, found->file, here, false),
                       doctest::Contains("another thermo version (0.0.9, this is 0.1.0); another backend (cuda, this "
                                         "run has cpu)"),
                       thermo::UserError);
  CHECK_NOTHROW(ResumeStates::check_identity(found->archive, found->file, here, true));
  // Another thread count only warns: the run continues correctly.
  const RunIdentity threads{"{\"name\":\"x\"}", "0.0.9", "cuda", 1};
  CHECK_NOTHROW(ResumeStates::check_identity(found->archive, found->file, threads, false));
}

TEST_CASE("resume: the newest two states are kept; a damaged newest falls back to the one before") {
  const auto dir = scratch_dir("resume-newest");
  const ResumeStates states(dir);
  const RunIdentity identity{"{}", "0.1.0", "cpu", 1};
  for (std::int64_t iteration : {5, 10, 15}) {
    states.write(iteration, identity, [&](thermo::StateArchive& archive) { archive.put_i64("i", iteration); });
  }
  CHECK_FALSE(fs::exists(dir / "state" / "state-0000000005.thermo"));
  REQUIRE(fs::exists(dir / "state" / "state-0000000010.thermo"));
  // A newest state cut short (a copy interrupted, a disk that lied about fsync).
  const auto newest = dir / "state" / "state-0000000015.thermo";
  const std::string bytes = read_file(newest);
  write_file(newest, bytes.substr(0, bytes.size() / 2));
  const auto found = states.newest_valid();
  REQUIRE(found);
  CHECK(found->archive.get_i64("i") == 10);
}
