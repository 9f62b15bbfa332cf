#pragma once
// A sweep directory made ready for its points, whatever runs them (child processes here, or
// Slurm tasks): config.yaml (the sweep's resolved pipeline), manifest.json (each point's
// overrides and status) and one run directory per point with its own config.yaml. Resuming
// keeps finished points and the run directories of unfinished points that hold a resume state;
// an unfinished point without one starts afresh.

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"
#include "sweep/manifest.hpp"

#include <filesystem>
#include <string>

namespace thermo::engine {

// completed and diverged are results; anything else is still to be run.
[[nodiscard]] bool is_finished_status(const std::string& status);

// A point's status and message from its run directory's summary.json ("pending" without one;
// "interrupted" for a summary left at "running" by a killed process).
void refresh_from_summary(ManifestPoint& entry, const std::filesystem::path& sweep_dir);

// Writes or, with `resume`, checks and updates the sweep directory; returns the manifest with
// every point's status. Throws UserError when resuming a directory of another experiment
// (execution settings — executor, threads, backend — may change between attempts).
[[nodiscard]] Manifest prepare_sweep(const Pipeline& pipeline, const std::filesystem::path& sweep_dir,
                                     PluginRegistry& registry, bool resume);

// Updates manifest.json's statuses from the points' summaries (after tasks ran elsewhere).
void refresh_manifest(const std::filesystem::path& sweep_dir);

// The run directory of point `index` of a prepared sweep (from its manifest.json).
[[nodiscard]] std::filesystem::path point_run_dir(const std::filesystem::path& sweep_dir, std::size_t index);

}  // namespace thermo::engine
