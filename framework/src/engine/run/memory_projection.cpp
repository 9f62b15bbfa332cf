#include "run/memory_projection.hpp"

#include "run/schedule.hpp"
#include "run/trainer.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace thermo::engine {
namespace {

std::uint64_t split_host_bytes(const DataSplit& split) {
  return split.samples_f32.size() * sizeof(float) + split.samples_f64.size() * sizeof(double) +
         split.labels.size() * sizeof(std::int32_t);
}

// The data set twice on a backend whose memory is the host's: the plugin's host copy (kept for
// host-computed models) and ResidentData's backend copy (f32 data sets only).
void add_data_terms(ResidentData& data, MemoryProjection& projection) {
  const auto& info = data.info();
  const auto train = data.size(Split::train);
  const auto test = data.size(Split::test);
  const auto element = dtype_size(info.dtype);
  const std::string samples =
      fmt::format("({} + {}) samples × {} × {} B + labels × 4 B", train, test, info.sample_count(), element);
  MemoryTerm host{"data set: host copy", samples};
  host.host_bytes = split_host_bytes(data.host(Split::train)) + split_host_bytes(data.host(Split::test));
  projection.terms.push_back(host);
  if (info.dtype != DType::f32) return;
  MemoryTerm resident{"data set: backend copy", samples};
  for (Split which : {Split::train, Split::test}) {
    const auto& split = data.host(which);
    if (split.size == 0) continue;
    resident.backend_bytes += static_cast<std::uint64_t>(split.size * info.sample_count()) * sizeof(float) +
                              split.labels.size() * sizeof(std::int32_t);
  }
  projection.terms.push_back(resident);
}

// The batches the run evaluates the model at: training steps, the log step's chunks (train with a
// gradient, test without) and the estimators' batches.
void find_batches(RunResources& resources, const Pipeline& pipeline, MemoryProjection& projection) {
  if (!pipeline.train || resources.data() == nullptr) return;
  const auto& train = *pipeline.train;
  std::int64_t gradient_batch = train.batch_size;
  std::int64_t forward_batch = train.batch_size;
  if (!schedule_iterations(train.log, train.iterations, ScheduleRole::log).empty()) {
    auto& data = *resources.data();
    gradient_batch = std::max(gradient_batch, std::min(kEvaluationChunk, data.size(Split::train)));
    forward_batch = std::max(gradient_batch, std::min(kEvaluationChunk, data.size(Split::test)));
    for (const auto& named : resources.estimators()) {
      gradient_batch = std::max(gradient_batch, named.estimator->memory().batch);
    }
    forward_batch = std::max(forward_batch, gradient_batch);
  }
  projection.largest_gradient_batch = gradient_batch;
  projection.largest_batch = forward_batch;
}

void add_model_terms(RunResources& resources, const Pipeline& pipeline, MemoryProjection& projection) {
  auto& model = resources.model();
  const auto parameters = model.parameters();
  const auto gradients = model.gradients();
  const auto element = [](DType type) { return dtype_size(type); };
  projection.terms.push_back(
      {"model: parameters",
       fmt::format("D × {} B = {} × {} B", element(parameters.dtype), parameters.size, element(parameters.dtype)), 0,
       parameters.bytes()});
  projection.terms.push_back(
      {"model: gradients", fmt::format("D × {} B", element(gradients.dtype)), 0, gradients.bytes()});
  if (pipeline.train) {
    projection.terms.push_back(
        {"trainer: full gradient", fmt::format("D × {} B", element(parameters.dtype)), 0, parameters.bytes()});
  }
  if (resources.has_optimizer()) {
    const auto state = resources.optimizer().state_bytes();
    projection.terms.push_back(
        {"optimizer state", fmt::format("as {} reports it", pipeline.optimizer->plugin), 0, state});
  }
  if (projection.largest_batch > 0) {
    const auto forward = model.tensor_bytes(projection.largest_batch);
    const auto backward = model.tensor_bytes(projection.largest_gradient_batch);
    if (forward.activations + backward.diffs == 0) return;  // a host-computed model (the toy)
    projection.terms.push_back(
        {"model: activations",
         fmt::format("Σ node outputs × 4 B at batch {} (+ labels × 4 B)", projection.largest_batch), 0,
         forward.activations});
    projection.terms.push_back(
        {"model: diffs", fmt::format("Σ diffs backward writes × 4 B at batch {}", projection.largest_gradient_batch), 0,
         backward.diffs});
  }
}

std::string describe_estimator(const NamedEstimator& named, const EstimatorMemory& memory) {
  return fmt::format("{} ({}): {}", named.key_path, named.plugin, memory.what);
}

// The histories are held together; each other estimator frees its memory when its measure() ends,
// after the histories were suspended. So a log point holds the larger of the two.
void add_estimator_term(RunResources& resources, MemoryProjection& projection) {
  MemoryTerm histories{"log point: estimators' histories", ""};
  MemoryTerm largest_other{"log point: largest other estimator", ""};
  for (const auto& named : resources.estimators()) {
    const auto memory = named.estimator->memory();
    if (memory.backend_bytes + memory.host_bytes == 0) continue;
    if (named.estimator->history_length() > 0) {
      histories.host_bytes += memory.host_bytes;
      histories.backend_bytes += memory.backend_bytes;
      histories.formula += (histories.formula.empty() ? "" : " + ") + describe_estimator(named, memory);
    } else if (memory.host_bytes + memory.backend_bytes > largest_other.bytes()) {
      largest_other.host_bytes = memory.host_bytes;
      largest_other.backend_bytes = memory.backend_bytes;
      largest_other.formula = describe_estimator(named, memory);
    }
  }
  if (histories.bytes() == 0 && largest_other.bytes() == 0) return;
  const bool histories_larger = histories.bytes() >= largest_other.bytes();
  MemoryTerm chosen = histories_larger ? histories : largest_other;
  chosen.name = "log point: estimators";
  if (histories.bytes() > 0 && largest_other.bytes() > 0) {
    chosen.formula = fmt::format("max({} {}, {} {}): never held together", format_bytes(histories.bytes()),
                                 histories.formula, format_bytes(largest_other.bytes()), largest_other.formula);
  }
  projection.terms.push_back(chosen);
}

}  // namespace

std::uint64_t MemoryProjection::host_total() const {
  std::uint64_t total = 0;
  for (const auto& term : terms) total += term.host_bytes;
  return total;
}

std::uint64_t MemoryProjection::backend_total() const {
  std::uint64_t total = 0;
  for (const auto& term : terms) total += term.backend_bytes;
  return total;
}

std::uint64_t MemoryProjection::machine_total() const {
  return host_total() + (backend_memory_is_host ? backend_total() : 0);
}

MemoryProjection project_memory(RunResources& resources, const Pipeline& pipeline) {
  MemoryProjection projection;
  auto& backend = resources.backend();
  projection.backend = backend.name();
  projection.backend_memory_is_host = backend.allocate(1, DType::f32)->host_data() != nullptr;
  if (resources.data() != nullptr) add_data_terms(*resources.data(), projection);
  find_batches(resources, pipeline, projection);
  add_model_terms(resources, pipeline, projection);
  add_estimator_term(resources, projection);
  return projection;
}

MemoryProjection project_memory(const Pipeline& pipeline, PluginRegistry& registry, std::int64_t threads,
                                const std::string& backend) {
  RunResources::Options options;
  options.threads = threads;
  options.backend = backend;
  const auto resources = RunResources::build(pipeline, registry, options);
  return project_memory(*resources, pipeline);
}

std::string format_bytes(std::uint64_t bytes) {
  const auto value = static_cast<double>(bytes);
  if (value >= 1e9) return fmt::format("{:.2f} GB", value / 1e9);
  if (value >= 1e6) return fmt::format("{:.1f} MB", value / 1e6);
  if (value >= 1e3) return fmt::format("{:.1f} kB", value / 1e3);
  return fmt::format("{} B", bytes);
}

std::vector<std::string> describe_projection(const MemoryProjection& projection) {
  std::vector<std::string> lines;
  std::size_t width = 0;
  for (const auto& term : projection.terms) width = std::max(width, term.name.size());
  for (const auto& term : projection.terms) {
    std::string where;
    if (!projection.backend_memory_is_host && term.backend_bytes > 0) {
      where = term.host_bytes > 0 ? fmt::format(" ({} on the device)", format_bytes(term.backend_bytes))
                                  : " (on the device)";
    }
    lines.push_back(
        fmt::format("  {:<{}}  {:>10}  {}{}", term.name, width, format_bytes(term.bytes()), term.formula, where));
  }
  if (projection.backend_memory_is_host) {
    lines.push_back(fmt::format("  {:<{}}  {:>10}", "total", width, format_bytes(projection.machine_total())));
  } else {
    lines.push_back(fmt::format("  {:<{}}  {:>10}  host memory; {} on the {} device", "total", width,
                                format_bytes(projection.host_total()), format_bytes(projection.backend_total()),
                                projection.backend));
  }
  return lines;
}

}  // namespace thermo::engine
