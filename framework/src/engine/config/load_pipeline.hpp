#pragma once
// Loading a pipeline: YAML (with bounded anchors/aliases and duplicate-key detection), ${VAR}
// expansion, command-line overrides, validation of the engine's sections and of every plugin
// section against its schema. All errors are collected and thrown together as UserErrors.

#include "config/pipeline.hpp"
#include "registry/schema_provider.hpp"

#include <filesystem>
#include <vector>

namespace thermo::engine {

// The whole pipeline, sweep included (each sweep value is checked by applying it).
[[nodiscard]] Pipeline load_pipeline(const std::filesystem::path& file, const std::vector<Override>& overrides,
                                     SchemaProvider& schemas);

// One point of a sweep: the sweep's coordinates as overrides.
struct SweepPoint {
  std::size_t index = 0;
  std::string label;                 // "007-elr0.001": zero-padded index and short key=value parts
  std::vector<Override> overrides;   // origin "sweep"
};

// The Cartesian product of the pipeline's sweep axes, in file order, the last axis fastest.
// A pipeline without a sweep gives no points.
[[nodiscard]] std::vector<SweepPoint> expand_sweep(const Pipeline& pipeline);

// The single-run pipeline of one point: the file with `overrides`, then the point's coordinates,
// and `sweep` removed.
[[nodiscard]] Pipeline load_point_pipeline(const std::filesystem::path& file, const std::vector<Override>& overrides,
                                           const SweepPoint& point, SchemaProvider& schemas);

}  // namespace thermo::engine
