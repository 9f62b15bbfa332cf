// expand_sweep: the Cartesian product of the sweep axes and the points' labels.
#include "config/load_pipeline.hpp"
#include "config/scalar_syntax.hpp"
#include "config/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace thermo::engine {

namespace {

// The value as a label shows it: numbers in their shortest form, strings as they are.
std::string label_value(const std::string& value_yaml) {
  Diagnostics ignored;
  YamlNode node;
  try {
    node = parse_yaml(value_yaml, TextOrigin{"sweep", 1, 0}, ignored);
  } catch (const UserErrors&) {
    return value_yaml;
  }
  if (!node.is_scalar()) return node.is_null() ? "null" : to_flow_yaml(node);
  if (node.plain) {
    const IntegerText integer = parse_integer_text(node.text);
    if (integer.status == IntegerText::Status::ok) return fmt::format("{}", integer.value);
    if (const auto real = parse_real_text(node.text)) return format_real(*real);
  }
  return node.text;
}

std::string sanitized(const std::string& text) {
  std::string result;
  for (const char c : text) {
    const bool kept =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (kept) {
      result += c;
    } else if (result.empty() || result.back() != '_') {
      result += '_';
    }
  }
  return result;
}

}  // namespace

std::vector<SweepPoint> expand_sweep(const Pipeline& pipeline) {
  std::vector<SweepPoint> points;
  if (pipeline.sweep.empty()) return points;
  std::size_t count = 1;
  for (const auto& axis : pipeline.sweep) count *= axis.values_yaml.size();
  if (count == 0) return points;
  const std::size_t width = std::max<std::size_t>(3, fmt::format("{}", count - 1).size());

  std::vector<std::vector<std::string>> label_parts;
  for (const auto& axis : pipeline.sweep) {
    const std::string last_component = axis.key.substr(axis.key.rfind('.') + 1);
    std::vector<std::string> parts;
    for (const auto& value : axis.values_yaml) parts.push_back(sanitized(last_component + label_value(value)));
    label_parts.push_back(std::move(parts));
  }

  std::vector<std::size_t> coordinates(pipeline.sweep.size(), 0);
  points.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    SweepPoint point;
    point.index = index;
    point.label = fmt::format("{:0{}}", index, width);
    for (std::size_t axis = 0; axis < pipeline.sweep.size(); ++axis) {
      point.label += "-" + label_parts[axis][coordinates[axis]];
      point.overrides.push_back(
          Override{pipeline.sweep[axis].key, pipeline.sweep[axis].values_yaml[coordinates[axis]], "sweep"});
    }
    points.push_back(std::move(point));
    // The last axis runs fastest.
    for (std::size_t axis = pipeline.sweep.size(); axis-- > 0;) {
      if (++coordinates[axis] < pipeline.sweep[axis].values_yaml.size()) break;
      coordinates[axis] = 0;
    }
  }
  return points;
}

}  // namespace thermo::engine
