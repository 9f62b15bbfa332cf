#pragma once
// How much memory a run may use here, and the refusal of a run whose projected peak does not fit
// (docs/performance.md, "Memory"). The limit is the smallest of: MemAvailable of /proc/meminfo
// (what can be allocated now without swapping, other processes' memory counted), the memory.max
// of this process's cgroup and its ancestors (a Slurm job's --mem under cgroup enforcement, a
// container's limit), and SLURM_MEM_PER_NODE. THERMO_MEMORY_LIMIT_BYTES replaces all of them.

#include "run/memory_projection.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace thermo::engine {

struct MemoryLimit {
  std::uint64_t bytes = 0;  // 0: unknown (nothing could be read); then nothing is refused
  std::string source;       // what set it: "MemAvailable in /proc/meminfo", "THERMO_MEMORY_LIMIT_BYTES", ...
};

// Throws UserError when THERMO_MEMORY_LIMIT_BYTES is set but not a positive integer.
[[nodiscard]] MemoryLimit machine_memory_limit();

// Slurm's --mem syntax: a number of MiB, or with a K, M, G or T suffix (binary); nullopt for "0"
// (all of a node's memory) and for text that is not such a size.
[[nodiscard]] std::optional<std::uint64_t> slurm_memory_bytes(const std::string& text);

// Throws UserError (exit code 2) when `concurrent` runs of this projection need more than the
// limit; `what` names them in the message ("the run", "the sweep's points"). A device backend's
// own memory is not checked (only its host memory is).
void require_memory_fits(const MemoryProjection& projection, std::int64_t concurrent, const MemoryLimit& limit,
                         const std::string& what);

}  // namespace thermo::engine
