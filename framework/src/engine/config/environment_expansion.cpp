#include "config/environment_expansion.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace thermo::engine {

namespace {

bool valid_variable_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(letter || (digit && i > 0))) return false;
  }
  return true;
}

void expand_node(YamlNode& node, const std::string& path, const VariableLookup& lookup, Diagnostics& diagnostics) {
  if (node.is_scalar()) {
    if (node.text.find('$') == std::string::npos) return;
    Expansion expansion = expand_variables(node.text, lookup);
    if (!expansion.error.empty()) {
      diagnostics.error(node.location, path, expansion.error);
      node.invalid = true;
      return;
    }
    if (expansion.text != node.text) {
      // Typed by the expanded text even when quoted: in flow collections ${...} must be quoted.
      node.text = std::move(expansion.text);
      node.from_environment = true;
      node.plain = true;
    }
    return;
  }
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    auto& child = node.children[i];
    expand_node(child, child_path(path, node.is_map() ? child.key : std::to_string(i)), lookup, diagnostics);
  }
}

}  // namespace

VariableLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Expansion expand_variables(const std::string& text, const VariableLookup& lookup) {
  Expansion result;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      result.text += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      result.text += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      result.error = "unterminated '${' (write $${ for a literal ${)";
      return result;
    }
    const std::string inside = text.substr(i + 2, close - i - 2);
    const std::size_t separator = inside.find(":-");
    const std::string name = separator == std::string::npos ? inside : inside.substr(0, separator);
    if (!valid_variable_name(name)) {
      result.error =
          fmt::format("'${{{}}}' is not ${{NAME}} or ${{NAME:-default}} (write $${{ for a literal ${{)", inside);
      return result;
    }
    const auto value = lookup(name);
    if (separator != std::string::npos) {
      result.text += (value && !value->empty()) ? *value : inside.substr(separator + 2);
    } else if (value) {
      result.text += *value;
    } else {
      result.error = fmt::format(
          "environment variable '{}' is not set (set it, or write ${{{}:-default}} to give a default)", name, name);
      return result;
    }
    i = close + 1;
  }
  return result;
}

void expand_environment(YamlNode& root, const VariableLookup& lookup, Diagnostics& diagnostics) {
  expand_node(root, "", lookup, diagnostics);
}

std::string escape_variables(const std::string& text) {
  std::string escaped;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "${") == 0) escaped += '$';
    escaped += text[i];
  }
  return escaped;
}

}  // namespace thermo::engine
