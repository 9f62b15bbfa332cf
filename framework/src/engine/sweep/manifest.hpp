#pragma once
// manifest.json of a sweep directory: which point is which (index → overrides, label, folder)
// and what became of it (status and message). Written by the sweep's own process only.

#include "config/load_pipeline.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace thermo::engine {

struct ManifestPoint {
  SweepPoint point;
  std::string dir;        // relative to the sweep directory: runs/<label>
  std::string status = "pending";
  std::string message;
  double seconds = 0.0;
};

struct Manifest {
  std::string name;
  std::string pipeline_file;
  std::vector<std::string> command_line_overrides;  // key=value
  std::vector<std::string> swept_keys;
  nlohmann::json config;  // the resolved pipeline, sweep included
  std::vector<ManifestPoint> points;

  [[nodiscard]] nlohmann::json to_json() const;
  void save(const std::filesystem::path& sweep_dir) const;
};

// A point's overrides as a JSON object {"optimizer.elr": 0.001}, values parsed from their YAML.
[[nodiscard]] nlohmann::json overrides_as_json(const std::vector<Override>& overrides);

}  // namespace thermo::engine
