#pragma once
// A run's resume states: run_dir/state/state-<iteration>.thermo, each a checksummed StateArchive
// written durably (temporary file, fsync, rename); the newest two are kept. A state records what
// it was made by (the experiment's configuration, thermo's version, the backend and its threads)
// so that resuming under something else is refused with the reason, unless forced.

#include "config/pipeline.hpp"

#include <thermo/state.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace thermo::engine {

// What a resume state must agree with.
struct RunIdentity {
  std::string experiment;  // the resolved configuration minus execution settings (executor, threads, backend)
  std::string thermo_version;
  std::string backend;  // the backend's name (cpu, cuda), after `auto` was resolved
  std::int64_t threads = 0;
};

// The resolved configuration that decides a run's numbers, as canonical text: the resolved
// pipeline's YAML without its `executor`, `threads` and `backend` entries (how and where it
// runs, not what it computes).
[[nodiscard]] std::string experiment_identity(const Pipeline& pipeline);

class ResumeStates {
 public:
  explicit ResumeStates(std::filesystem::path run_dir);

  // Writes state-<iteration>.thermo: the identity, then whatever `fill` puts; keeps the newest two.
  void write(std::int64_t iteration, const RunIdentity& identity, const std::function<void(StateArchive&)>& fill) const;

  struct Found {
    std::filesystem::path file;
    StateArchive archive;
  };
  // The newest state whose checksum holds (older ones are tried when the newest is damaged;
  // each one skipped is logged with the reason); nullopt when there is none.
  [[nodiscard]] std::optional<Found> newest_valid() const;

  // Throws UserError (exit 2) naming what differs, unless `force` (then it only warns). A thread
  // count that differs is a warning: the run continues correctly but not bit for bit.
  static void check_identity(const StateArchive& archive, const std::filesystem::path& file,
                             const RunIdentity& identity, bool force);

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] bool any() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace thermo::engine
