#include "config/overrides.hpp"

#include "config/yaml_reader.hpp"

#include <fmt/format.h>

#include <charconv>

namespace thermo::engine {

namespace {

std::optional<std::size_t> parse_index(const std::string& text) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  std::size_t index = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return index;
}

std::string joined_path(const std::vector<KeyComponent>& path, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text = child_path(text, path[i].text);
  return text;
}

}  // namespace

Override parse_override(const std::string& argument) {
  const std::size_t equals = argument.find('=');
  if (equals == std::string::npos) {
    throw UserError(fmt::format("'{}' is not an override: write key=value, e.g. optimizer.elr=0.1", argument));
  }
  Override result{argument.substr(0, equals), argument.substr(equals + 1), "command line"};
  if (result.key.empty())
    throw UserError(fmt::format("'{}' is not an override: the key before '=' is empty", argument));
  for (const auto& component : split_key(result.key)) {
    if (component.empty()) {
      throw UserError(fmt::format("'{}' is not an override: the key '{}' has an empty part", argument, result.key));
    }
  }
  return result;
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> components;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = key.find('.', begin);
    components.push_back(key.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin));
    if (dot == std::string::npos) break;
    begin = dot + 1;
    if (components.size() == 1 && components.front() == "sweep") {
      components.push_back(key.substr(begin));
      break;
    }
  }
  return components;
}

bool set_at_path(YamlNode& root, const std::vector<KeyComponent>& path, YamlNode value, Diagnostics& diagnostics) {
  YamlNode* node = &root;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const KeyComponent& component = path[i];
    const bool last = i + 1 == path.size();
    const std::string parent_path = joined_path(path, i);
    const std::string where = parent_path.empty() ? "the pipeline" : "'" + parent_path + "'";
    if (node->is_null()) {
      YamlNode map = YamlNode::make_map(component.location);
      map.key = std::move(node->key);
      map.key_location = std::move(node->key_location);
      *node = std::move(map);
    }
    if (node->is_sequence()) {
      const auto index = parse_index(component.text);
      if (!index) {
        diagnostics.error(component.location, parent_path,
                          fmt::format("{} is a list; '{}' is not an index into it", where, component.text));
        return false;
      }
      if (*index >= node->children.size()) {
        diagnostics.error(component.location, parent_path,
                          fmt::format("index {} is out of range: {} has {} element{}", *index, where,
                                      node->children.size(), node->children.size() == 1 ? "" : "s"));
        return false;
      }
      node = &node->children[*index];
    } else if (node->is_map()) {
      YamlNode* child = node->find(component.text);
      if (child == nullptr) {
        YamlNode created = YamlNode::make_null(component.location);
        created.key = component.text;
        created.key_location = component.location;
        node->children.push_back(std::move(created));
        child = &node->children.back();
      }
      node = child;
    } else {
      diagnostics.error(
          component.location, parent_path,
          fmt::format("cannot set '{}' inside {}: it is {}, not a map", component.text, where, describe_node(*node)));
      return false;
    }
    if (last) {
      value.key = node->key;
      value.key_location = node->key_location;
      *node = std::move(value);
    }
  }
  if (path.empty()) root = std::move(value);
  return true;
}

bool path_exists(const YamlNode& root, const std::vector<std::string>& path) {
  const YamlNode* node = &root;
  for (const auto& component : path) {
    if (node->is_map()) {
      node = node->find(component);
    } else if (node->is_sequence()) {
      const auto index = parse_index(component);
      node = (index && *index < node->children.size()) ? &node->children[*index] : nullptr;
    } else {
      node = nullptr;
    }
    if (node == nullptr) return false;
  }
  return true;
}

void apply_override(YamlNode& root, const Override& override_value, int position, Diagnostics& diagnostics) {
  const auto components = split_key(override_value.key);
  std::vector<KeyComponent> path;
  int column = 1;
  for (const auto& component : components) {
    path.push_back({component, SourceLocation{override_value.origin, position, column}});
    column += static_cast<int>(component.size()) + 1;
  }
  const int value_offset = static_cast<int>(override_value.key.size()) + 1;
  YamlNode value;
  try {
    value =
        parse_yaml(override_value.value_yaml, TextOrigin{override_value.origin, position, value_offset}, diagnostics);
  } catch (const UserErrors& errors) {
    for (const auto& error : errors.errors()) {
      diagnostics.error(error.location(), override_value.key, error.message());
    }
    return;
  }
  set_at_path(root, path, std::move(value), diagnostics);
}

}  // namespace thermo::engine
