#include "sweep/sweep_directory.hpp"

#include "run/json_files.hpp"
#include "run/resume_state.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

namespace thermo::engine {
namespace fs = std::filesystem;

bool is_finished_status(const std::string& status) {
  return status == "completed" || status == "diverged";
}

void refresh_from_summary(ManifestPoint& entry, const fs::path& sweep_dir) {
  const auto summary_file = sweep_dir / entry.dir / "summary.json";
  if (!fs::exists(summary_file)) return;
  try {
    const auto summary = read_json_file(summary_file);
    entry.status = summary.value("status", "failed");
    entry.message = summary.value("message", "");
    entry.seconds = summary.value("seconds", 0.0);
  } catch (const UserError&) {
    entry.status = "failed";
    entry.message = "unreadable summary.json";
  }
  if (entry.status == "running") entry.status = "interrupted";
}

namespace {

// Refuses to resume a sweep directory that holds another experiment.
void check_same_experiment(const Pipeline& pipeline, const fs::path& config_file, PluginRegistry& registry) {
  const Pipeline earlier = load_pipeline(config_file, {}, registry);
  if (experiment_identity(earlier) != experiment_identity(pipeline)) {
    throw UserError(SourceLocation{config_file.string()}, "",
                    "this sweep was started with another pipeline (the resolved configuration differs); "
                    "use --force to start it over or another --out");
  }
}

// An unfinished point keeps its directory only when it can resume from it.
void prepare_point(const fs::path& sweep_dir, const fs::path& config_file, ManifestPoint& entry,
                   PluginRegistry& registry) {
  const fs::path run_dir = sweep_dir / entry.dir;
  if (!ResumeStates(run_dir).any()) fs::remove_all(run_dir);
  fs::create_directories(run_dir);
  // The point's own resolved pipeline, from the sweep's resolved configuration.
  const Pipeline point_pipeline = load_point_pipeline(config_file, {}, entry.point, registry);
  write_file_durably(run_dir / "config.yaml", point_pipeline.resolved_yaml);
}

}  // namespace

Manifest prepare_sweep(const Pipeline& pipeline, const fs::path& sweep_dir, PluginRegistry& registry, bool resume) {
  const auto config_file = sweep_dir / "config.yaml";
  if (resume && fs::exists(config_file)) check_same_experiment(pipeline, config_file, registry);
  write_file_durably(config_file, pipeline.resolved_yaml);

  Manifest manifest;
  manifest.name = pipeline.name;
  manifest.pipeline_file = pipeline.file.string();
  manifest.config = pipeline.resolved;
  for (const auto& axis : pipeline.sweep) manifest.swept_keys.push_back(axis.key);
  for (auto& point : expand_sweep(pipeline)) {
    ManifestPoint entry;
    entry.dir = (fs::path("runs") / point.label).string();
    entry.point = std::move(point);
    if (resume) refresh_from_summary(entry, sweep_dir);
    if (!is_finished_status(entry.status)) {
      entry.status = "pending";
      prepare_point(sweep_dir, config_file, entry, registry);
    }
    manifest.points.push_back(std::move(entry));
  }
  manifest.save(sweep_dir);
  return manifest;
}

void refresh_manifest(const fs::path& sweep_dir) {
  const auto manifest_file = sweep_dir / "manifest.json";
  auto manifest = read_json_file(manifest_file);
  if (!manifest.is_object() || !manifest.contains("points") || !manifest["points"].is_array()) {
    throw UserError(SourceLocation{manifest_file.string()}, "", "not a sweep manifest");
  }
  for (auto& point : manifest["points"]) {
    if (!point.is_object() || !point.contains("dir") || !point["dir"].is_string()) continue;
    ManifestPoint entry;
    entry.dir = point["dir"].get<std::string>();
    entry.status = point.value("status", "pending");
    entry.message = point.value("message", "");
    refresh_from_summary(entry, sweep_dir);
    point["status"] = entry.status;
    point["message"] = entry.message;
    point["seconds"] = entry.seconds;
  }
  write_json_file(manifest_file, manifest);
}

fs::path point_run_dir(const fs::path& sweep_dir, std::size_t index) {
  const auto manifest_file = sweep_dir / "manifest.json";
  const auto manifest = read_json_file(manifest_file);
  const auto points = manifest.is_object() ? manifest.value("points", nlohmann::json::array()) : nlohmann::json();
  if (!points.is_array()) throw UserError(SourceLocation{manifest_file.string()}, "", "not a sweep manifest");
  for (const auto& point : points) {
    if (point.is_object() && point.value("index", std::size_t{0}) == index && point.contains("dir") &&
        point.at("dir").is_string()) {
      return sweep_dir / point.at("dir").get<std::string>();
    }
  }
  throw UserError(SourceLocation{manifest_file.string()}, "",
                  fmt::format("the sweep has no point {} (it has {})", index, points.size()));
}

}  // namespace thermo::engine
