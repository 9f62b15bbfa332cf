#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>

namespace thermo {
namespace {

nlohmann::json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::int64_t integer = 0;
  auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (error == std::errc() && ptr == text.data() + text.size()) return integer;
  double real = 0.0;
  try {
    real = node.as<double>();
    return real;
  } catch (const YAML::Exception&) {
    return text;
  }
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      auto array = nlohmann::json::array();
      for (const auto& element : node) array.push_back(yaml_to_json(element));
      return array;
    }
    case YAML::NodeType::Map: {
      auto object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.Scalar()] = yaml_to_json(entry.second);
      return object;
    }
  }
  return nullptr;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw UserError(SourceLocation{file.string()}, "", "cannot open the file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw UserError(SourceLocation{file.string()}, "", fmt::format("not valid JSON: {}", error.what()));
  }
}

nlohmann::json at_dotted(const nlohmann::json& root, const std::string& dotted) {
  const nlohmann::json* node = &root;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    const auto end = dotted.find('.', start);
    const std::string part = dotted.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (node->is_object() && node->contains(part)) {
      node = &(*node)[part];
    } else {
      return nullptr;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return *node;
}

RunRecord record_for(const std::filesystem::path& dir) {
  RunRecord run;
  run.dir = dir;
  run.label = dir.filename().string();
  run.overrides = nlohmann::json::object();
  const auto summary = dir / "summary.json";
  if (std::filesystem::exists(summary)) {
    run.summary = read_json(summary);
    run.status = run.summary.value("status", "failed");
    run.message = run.summary.value("message", "");
  } else {
    run.status = "pending";
  }
  return run;
}
}  // namespace

nlohmann::json load_yaml_as_json(const std::filesystem::path& file) {
  try {
    return yaml_to_json(YAML::LoadFile(file.string()));
  } catch (const YAML::Exception& error) {
    throw UserError(SourceLocation{file.string(), error.mark.line + 1, error.mark.column + 1}, "", error.msg);
  }
}

MetricsTable RunRecord::metrics() const {
  const auto file = dir / "metrics.csv";
  if (!std::filesystem::exists(file)) return {};
  return MetricsTable::read_csv(file);
}

Experiment Experiment::open(const std::filesystem::path& dir) {
  Experiment experiment;
  experiment.dir = dir;
  const auto manifest_file = dir / "manifest.json";
  if (std::filesystem::exists(manifest_file)) {
    const auto manifest = read_json(manifest_file);
    experiment.is_sweep = true;
    experiment.name = manifest.value("name", dir.filename().string());
    experiment.config = manifest.value("config", nlohmann::json::object());
    for (const auto& key : manifest.value("swept_keys", nlohmann::json::array())) {
      experiment.swept_keys.push_back(key.get<std::string>());
    }
    for (const auto& point : manifest.value("points", nlohmann::json::array())) {
      RunRecord run = record_for(dir / point.at("dir").get<std::string>());
      run.index = point.at("index").get<std::size_t>();
      run.label = point.value("label", run.label);
      run.overrides = point.value("overrides", nlohmann::json::object());
      if (run.summary.is_null()) {
        run.status = point.value("status", "pending");
        run.message = point.value("message", "");
      }
      experiment.runs.push_back(std::move(run));
    }
    return experiment;
  }
  const auto config_file = dir / "config.yaml";
  if (!std::filesystem::exists(config_file)) {
    throw UserError(SourceLocation{dir.string()}, "",
                    "not a thermo run or sweep directory (no manifest.json or config.yaml)");
  }
  experiment.config = load_yaml_as_json(config_file);
  experiment.name = experiment.config.value("name", dir.filename().string());
  experiment.runs.push_back(record_for(dir));
  return experiment;
}

nlohmann::json Experiment::value_of(const RunRecord& run, const std::string& dotted_key) const {
  if (run.overrides.is_object() && run.overrides.contains(dotted_key)) return run.overrides[dotted_key];
  return at_dotted(config, dotted_key);
}

void add_lr_key_param(ParamSchema& schema) {
  schema
      .add("lr_key", ParamType::string,
           "where a run's learning rate is read: null, the rate the run recorded (summary.json learning_rate: the "
           "optimizer's lr = elr·radius²); or a configuration key such as optimizer.elr")
      .def(std::monostate{})
      .allow_null();
}

std::string lr_key_from(const Params& params) {
  return params.is_null("lr_key") ? std::string() : params.get_string("lr_key");
}

nlohmann::json Experiment::learning_rate_of(const RunRecord& run, const std::string& lr_key) const {
  if (!lr_key.empty()) return value_of(run, lr_key);
  if (run.summary.is_object() && run.summary.contains("learning_rate") && run.summary["learning_rate"].is_number()) {
    return run.summary["learning_rate"];
  }
  return nullptr;
}

}  // namespace thermo
