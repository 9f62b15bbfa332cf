#include "sweep/manifest.hpp"

#include "run/json_files.hpp"

#include <thermo/version.hpp>

#include <yaml-cpp/yaml.h>

#include <charconv>

namespace thermo::engine {
namespace {
nlohmann::json yaml_scalar_as_json(const std::string& text) {
  try {
    const YAML::Node node = YAML::Load(text);
    if (node.IsNull()) return nullptr;
    if (node.IsScalar()) {
      const std::string& scalar = node.Scalar();
      std::int64_t integer = 0;
      auto [ptr, error] = std::from_chars(scalar.data(), scalar.data() + scalar.size(), integer);
      if (error == std::errc() && ptr == scalar.data() + scalar.size()) return integer;
      double real = 0.0;
      if (YAML::convert<double>::decode(node, real)) return real;
      bool flag = false;
      if (node.Tag() != "!" && YAML::convert<bool>::decode(node, flag) && (scalar == "true" || scalar == "false")) {
        return flag;
      }
      return scalar;
    }
  } catch (const YAML::Exception&) {
  }
  return text;  // maps and lists stay as their YAML text
}
}  // namespace

nlohmann::json overrides_as_json(const std::vector<Override>& overrides) {
  auto object = nlohmann::json::object();
  for (const auto& override_value : overrides) object[override_value.key] = yaml_scalar_as_json(override_value.value_yaml);
  return object;
}

nlohmann::json Manifest::to_json() const {
  nlohmann::json json;
  json["name"] = name;
  json["thermo_version"] = THERMO_VERSION;
  json["pipeline_file"] = pipeline_file;
  json["command_line_overrides"] = command_line_overrides;
  json["swept_keys"] = swept_keys;
  json["config"] = config;
  auto list = nlohmann::json::array();
  for (const auto& entry : points) {
    nlohmann::json point;
    point["index"] = entry.point.index;
    point["label"] = entry.point.label;
    point["dir"] = entry.dir;
    point["overrides"] = overrides_as_json(entry.point.overrides);
    point["status"] = entry.status;
    point["message"] = entry.message;
    point["seconds"] = entry.seconds;
    list.push_back(point);
  }
  json["points"] = list;
  return json;
}

void Manifest::save(const std::filesystem::path& sweep_dir) const { write_json_file(sweep_dir / "manifest.json", to_json()); }

}  // namespace thermo::engine
