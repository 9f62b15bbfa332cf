#pragma once
// Helpers of the end-to-end tests: write a pipeline into a scratch folder, run `thermo`, and
// read what a run wrote.

#include "test_support.hpp"

#include <thermo/experiment.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace thermo::testing {

// A toy-problem pipeline (sphere_points + sphere_toy + sphere_sgd) with the given preset, LRs
// (a YAML list) and iterations; `extra` is appended verbatim (more top-level keys).
std::string toy_pipeline(const std::string& name, const std::string& preset, const std::string& lrs,
                         int iterations, const std::string& extra = "");

nlohmann::json read_json(const std::filesystem::path& file);

// The rows of a run's metrics.csv.
MetricsTable read_metrics(const std::filesystem::path& run_dir);

}  // namespace thermo::testing
