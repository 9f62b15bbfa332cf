// load_pipeline and load_point_pipeline: read, expand ${VAR}, apply overrides, validate, and
// check every sweep value by applying it to the document.
#include "config/load_pipeline.hpp"

#include "config/diagnostics.hpp"
#include "config/envelope.hpp"
#include "config/environment_expansion.hpp"
#include "config/overrides.hpp"
#include "config/resolved_document.hpp"
#include "config/sweep_section.hpp"
#include "config/yaml_reader.hpp"

#include <algorithm>

namespace thermo::engine {

namespace {

struct Loading {
  std::string file_label;
  ValueContext context;
  Diagnostics diagnostics;
  YamlNode root;
};

Loading read_document(const std::filesystem::path& file, const std::vector<Override>& overrides) {
  Loading loading;
  loading.file_label = file.string();
  std::error_code error;
  const auto absolute = std::filesystem::absolute(file, error);
  loading.context.pipeline_folder = error ? std::filesystem::path() : absolute.parent_path();
  loading.root = read_yaml_file(file, loading.diagnostics);
  expand_environment(loading.root, process_environment(), loading.diagnostics);
  // Each origin numbers its overrides from 1: that is the line of their locations.
  std::vector<std::pair<std::string, int>> counters;
  for (const auto& override_value : overrides) {
    auto counter = std::find_if(counters.begin(), counters.end(),
                                [&override_value](const auto& entry) { return entry.first == override_value.origin; });
    if (counter == counters.end()) counter = counters.insert(counters.end(), {override_value.origin, 0});
    apply_override(loading.root, override_value, ++counter->second, loading.diagnostics);
  }
  return loading;
}

std::vector<KeyComponent> sweep_key_path(const ParsedSweepAxis& axis) {
  std::vector<KeyComponent> path;
  for (const auto& component : axis.components) path.push_back({component, axis.key_location});
  return path;
}

void remove_sweep(YamlNode& root) {
  if (!root.is_map()) return;
  if (YamlNode* sweep = root.find("sweep")) {
    YamlNode removed = YamlNode::make_null(sweep->location);
    removed.key = sweep->key;
    removed.key_location = sweep->key_location;
    *sweep = std::move(removed);
  }
}

// A swept key the document does not have takes the axis's first value, so that the document
// validates as each point will (e.g. a required optimizer.elr given only by the sweep).
void fill_missing_swept_keys(YamlNode& root, const std::vector<ParsedSweepAxis>& axes, Diagnostics& diagnostics) {
  for (const auto& axis : axes) {
    if (!path_exists(root, axis.components)) set_at_path(root, sweep_key_path(axis), axis.values.front(), diagnostics);
  }
}

// Applies each value of each axis to the document (the other axes at their document values)
// and keeps the errors located in that value or at the axis's key.
void check_sweep_values(const YamlNode& root, const std::vector<ParsedSweepAxis>& axes, const ValueContext& context,
                        SchemaProvider& schemas, Diagnostics& diagnostics) {
  YamlNode base = root;
  remove_sweep(base);
  for (const auto& axis : axes) {
    for (const auto& value : axis.values) {
      YamlNode document = base;
      Diagnostics point_diagnostics;
      if (!set_at_path(document, sweep_key_path(axis), value, point_diagnostics)) {
        for (const auto& error : point_diagnostics.errors()) diagnostics.add(error);
        continue;
      }
      (void)validate_document(document, {}, context, schemas, point_diagnostics);
      std::vector<SourceLocation> caused_here{axis.key_location};
      collect_locations(value, caused_here);
      for (const auto& error : point_diagnostics.errors()) {
        const bool here = std::any_of(caused_here.begin(), caused_here.end(), [&error](const SourceLocation& where) {
          return same_location(where, error.location());
        });
        if (here) diagnostics.add(error);
      }
    }
  }
}

Pipeline finish(Loading& loading, ValidatedDocument& validated) {
  loading.diagnostics.throw_if_any(loading.file_label);
  Pipeline pipeline = std::move(validated.pipeline);
  pipeline.file = loading.file_label;
  pipeline.resolved_yaml = to_block_yaml(validated.resolved);
  pipeline.resolved = to_plain_json(validated.resolved);
  return pipeline;
}

}  // namespace

Pipeline load_pipeline(const std::filesystem::path& file, const std::vector<Override>& overrides,
                       SchemaProvider& schemas) {
  Loading loading = read_document(file, overrides);
  const std::vector<ParsedSweepAxis> axes =
      parse_sweep(loading.root.is_map() ? loading.root.find("sweep") : nullptr, loading.context, loading.diagnostics);
  fill_missing_swept_keys(loading.root, axes, loading.diagnostics);
  ValidatedDocument validated = validate_document(loading.root, axes, loading.context, schemas, loading.diagnostics);
  if (validated.version_supported)
    check_sweep_values(loading.root, axes, loading.context, schemas, loading.diagnostics);
  return finish(loading, validated);
}

Pipeline load_point_pipeline(const std::filesystem::path& file, const std::vector<Override>& overrides,
                             const SweepPoint& point, SchemaProvider& schemas) {
  std::vector<Override> all = overrides;
  all.insert(all.end(), point.overrides.begin(), point.overrides.end());
  Loading loading = read_document(file, all);
  remove_sweep(loading.root);
  ValidatedDocument validated = validate_document(loading.root, {}, loading.context, schemas, loading.diagnostics);
  return finish(loading, validated);
}

}  // namespace thermo::engine
