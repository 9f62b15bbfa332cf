#pragma once
// The projected peak memory of a run, term by term, from its real set-up (docs/performance.md,
// "Memory"): the data set as loaded, the model (parameters, gradients, the trainer's full gradient,
// optimizer state, the graph's activations and diffs at the largest batch the run evaluates), and
// at a log point either the estimators' histories (the kNN queue) or the largest memory of one of
// the others (gradient_noise's M stochastic gradients): the trainer never holds both.

#include "config/pipeline.hpp"
#include "run/run_resources.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace thermo::engine {

struct MemoryTerm {
  std::string name;     // "model: activations"
  std::string formula;  // "Σ node outputs × 4 B at batch 1024"
  std::uint64_t host_bytes = 0;
  std::uint64_t backend_bytes = 0;
  [[nodiscard]] std::uint64_t bytes() const { return host_bytes + backend_bytes; }
};

struct MemoryProjection {
  std::string backend;                 // its name
  bool backend_memory_is_host = true;  // cpu: the backend's buffers are host memory
  std::vector<MemoryTerm> terms;       // they add up to the totals
  std::int64_t largest_batch = 0;      // of a forward pass
  std::int64_t largest_gradient_batch = 0;
  [[nodiscard]] std::uint64_t host_total() const;
  [[nodiscard]] std::uint64_t backend_total() const;
  // What the run needs of this machine's memory: the host's, plus the backend's when it is host
  // memory.
  [[nodiscard]] std::uint64_t machine_total() const;
};

// From resources built for the pipeline (estimators included).
[[nodiscard]] MemoryProjection project_memory(RunResources& resources, const Pipeline& pipeline);

// Builds the pipeline's resources (backend, data set, model, optimizer, estimators), projects, and
// frees them: what `thermo run` does before it writes anything.
[[nodiscard]] MemoryProjection project_memory(const Pipeline& pipeline, PluginRegistry& registry, std::int64_t threads,
                                              const std::string& backend);

// "12.47 GB", "310.3 MB", "4.0 kB", "12 B" (decimal units).
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

// One line per term ("  data set (host copy)   ...   0.06 GB  70000 × 3072 × 4 B ...") and the total.
[[nodiscard]] std::vector<std::string> describe_projection(const MemoryProjection& projection);

}  // namespace thermo::engine
