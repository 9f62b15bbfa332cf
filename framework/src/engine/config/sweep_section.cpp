#include "config/sweep_section.hpp"

#include "config/overrides.hpp"
#include "config/scalar_syntax.hpp"
#include "config/schema_section.hpp"
#include "config/sweep_generators.hpp"
#include "util/numpy_spaces.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <array>

namespace thermo::engine {

namespace {

constexpr std::array<const char*, 3> kGenerators = {"linspace", "logspace", "geomspace"};
constexpr std::int64_t kMaxGeneratedValues = static_cast<std::int64_t>(kMaxSweepPoints);

const ParamSchema& generator_schema(const std::string& generator) {
  static const auto make = [](bool with_base) {
    ParamSchema schema;
    schema.add("start", ParamType::real, "first value (an exponent for logspace)");
    schema.add("stop", ParamType::real, "last value (an exponent for logspace)");
    schema.add("num", ParamType::integer, "how many values").min(0).max(static_cast<double>(kMaxGeneratedValues));
    schema.add("endpoint", ParamType::boolean, "whether stop is the last value").def(true);
    if (with_base) schema.add("base", ParamType::real, "base of the powers").def(10.0).min(0, true);
    schema.add("drop_last", ParamType::boolean, "leave out the last value (numpy's [:-1])").def(false);
    schema.add("significant_digits", ParamType::integer, "round each value to this many digits")
        .def(std::monostate{})
        .allow_null()
        .min(1)
        .max(17);
    return schema;
  };
  static const ParamSchema with_base = make(true);
  static const ParamSchema without_base = make(false);
  return generator == "logspace" ? with_base : without_base;
}

// The generator's name when `node` is a generator map ({logspace: {...}}), else "".
std::string generator_name(const YamlNode& node) {
  if (!node.is_map() || node.children.size() != 1) return {};
  for (const char* name : kGenerators) {
    if (node.children.front().key == name) return name;
  }
  return {};
}

// Expands a generator into plain scalars located at the generator; false after reporting.
bool expand_generator(const YamlNode& node, const std::string& name, const std::string& key_path,
                      const ValueContext& context, Diagnostics& diagnostics, std::vector<YamlNode>& values) {
  const YamlNode& arguments = node.children.front();
  const std::string arguments_path = child_path(key_path, name);
  if (arguments.invalid) return false;
  if (!arguments.is_map()) {
    diagnostics.error(arguments.location, arguments_path,
                      fmt::format("expected a map {{start: a, stop: b, num: n}}, got {}", describe_node(arguments)));
    return false;
  }
  const SectionValues section =
      validate_section(arguments, generator_schema(name), arguments_path, {}, context, diagnostics);
  if (!section.ok) return false;
  const Params& params = section.params;
  const double start = params.get_real("start");
  const double stop = params.get_real("stop");
  const std::int64_t num = params.get_int("num");
  const bool endpoint = params.get_bool("endpoint");
  std::vector<double> generated;
  if (name == "linspace") {
    generated = linspace(start, stop, num, endpoint);
  } else if (name == "logspace") {
    generated = logspace(start, stop, num, endpoint, params.get_real("base"));
  } else {
    if (start == 0.0 || stop == 0.0 || (start < 0.0) != (stop < 0.0)) {
      diagnostics.error(arguments.location, arguments_path,
                        "geomspace needs start and stop of one sign, neither of them zero");
      return false;
    }
    generated = geomspace(start, stop, num, endpoint);
  }
  if (params.get_bool("drop_last") && !generated.empty()) generated.pop_back();
  if (!params.is_null("significant_digits")) {
    const int digits = static_cast<int>(params.get_int("significant_digits"));
    for (auto& value : generated) value = round_significant(value, digits);
  }
  for (const double value : generated) values.push_back(YamlNode::make_scalar(format_real(value), true, node.location));
  return true;
}

bool valid_key(const std::vector<std::string>& components) {
  for (const auto& component : components) {
    if (component.empty()) return false;
  }
  return true;
}

}  // namespace

std::vector<ParsedSweepAxis> parse_sweep(const YamlNode* node, const ValueContext& context, Diagnostics& diagnostics) {
  std::vector<ParsedSweepAxis> axes;
  if (node == nullptr || node->is_null() || node->invalid) return axes;
  if (!node->is_map()) {
    diagnostics.error(node->location, "sweep",
                      fmt::format("expected a map of dotted keys to lists of values, got {}", describe_node(*node)));
    return axes;
  }
  std::size_t points = 1;
  for (const auto& entry : node->children) {
    const std::string path = child_path("sweep", entry.key);
    ParsedSweepAxis axis{entry.key, split_key(entry.key), entry.key_location, {}};
    if (!valid_key(axis.components)) {
      diagnostics.error(entry.key_location, "sweep",
                        fmt::format("'{}' is not a dotted key like optimizer.elr", entry.key));
      continue;
    }
    if (axis.components.front() == "sweep") {
      diagnostics.error(entry.key_location, "sweep", "a sweep cannot sweep its own keys");
      continue;
    }
    if (entry.invalid) continue;
    bool ok = true;
    if (const std::string name = generator_name(entry); !name.empty()) {
      ok = expand_generator(entry, name, path, context, diagnostics, axis.values);
    } else if (entry.is_sequence()) {
      for (std::size_t i = 0; i < entry.children.size(); ++i) {
        const YamlNode& element = entry.children[i];
        if (const std::string element_generator = generator_name(element); !element_generator.empty()) {
          ok = expand_generator(element, element_generator, child_path(path, std::to_string(i)), context, diagnostics,
                                axis.values) &&
               ok;
        } else {
          axis.values.push_back(element);
        }
      }
    } else {
      diagnostics.error(entry.location, path,
                        fmt::format("expected a list of values or a generator ({{logspace|linspace|geomspace: "
                                    "{{start: a, stop: b, num: n}}}}), got {}",
                                    describe_node(entry)));
      continue;
    }
    // An axis with a failed generator keeps its other values: they are checked too, and the
    // errors are thrown together afterwards.
    if (axis.values.empty()) {
      if (ok) diagnostics.error(entry.location, path, "a sweep axis needs at least one value");
      continue;
    }
    points = std::min(points * axis.values.size(), kMaxSweepPoints + 1);
    if (points > kMaxSweepPoints) {
      diagnostics.error(
          entry.key_location, path,
          fmt::format("the sweep has more than {} points; split it into several pipelines", kMaxSweepPoints));
      return {};
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

SweepAxis to_sweep_axis(const ParsedSweepAxis& axis) {
  SweepAxis result;
  result.key = axis.key;
  result.location = axis.key_location;
  for (const auto& value : axis.values) result.values_yaml.push_back(to_flow_yaml(value));
  return result;
}

nlohmann::ordered_json sweep_to_json(const std::vector<ParsedSweepAxis>& axes) {
  if (axes.empty()) return nullptr;
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  for (const auto& axis : axes) {
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const auto& value : axis.values) values.push_back(node_to_json(value));
    result[axis.key] = std::move(values);
  }
  return result;
}

nlohmann::ordered_json node_to_json(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::null:
      return nullptr;
    case YamlNode::Kind::scalar: {
      if (!node.plain) return node.text;
      if (node.text == "true" || node.text == "false") return node.text == "true";
      const IntegerText integer = parse_integer_text(node.text);
      if (integer.status == IntegerText::Status::ok) return integer.value;
      if (const auto real = parse_real_text(node.text)) return *real;
      return node.text;
    }
    case YamlNode::Kind::sequence: {
      nlohmann::ordered_json result = nlohmann::ordered_json::array();
      for (const auto& child : node.children) result.push_back(node_to_json(child));
      return result;
    }
    case YamlNode::Kind::map: {
      nlohmann::ordered_json result = nlohmann::ordered_json::object();
      for (const auto& child : node.children) result[child.key] = node_to_json(child);
      return result;
    }
  }
  return nullptr;
}

}  // namespace thermo::engine
