#include "config/yaml_tree.hpp"

#include <fmt/format.h>


namespace thermo::engine {

const YamlNode* YamlNode::find(std::string_view entry_key) const {
  if (kind != Kind::map) return nullptr;
  for (const auto& child : children) {
    if (child.key == entry_key) return &child;
  }
  return nullptr;
}

YamlNode* YamlNode::find(std::string_view entry_key) {
  return const_cast<YamlNode*>(static_cast<const YamlNode*>(this)->find(entry_key));
}

YamlNode YamlNode::make_null(SourceLocation location) {
  YamlNode node;
  node.location = std::move(location);
  return node;
}

YamlNode YamlNode::make_scalar(std::string text, bool plain, SourceLocation location) {
  YamlNode node;
  node.kind = Kind::scalar;
  node.text = std::move(text);
  node.plain = plain;
  node.location = std::move(location);
  return node;
}

YamlNode YamlNode::make_map(SourceLocation location) {
  YamlNode node;
  node.kind = Kind::map;
  node.location = std::move(location);
  return node;
}

namespace {

std::string double_quoted(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\t':
        quoted += "\\t";
        break;
      case '\r':
        quoted += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          quoted += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          quoted += c;
        }
    }
  }
  return quoted + "\"";
}

// Whether `text` reads back as the same plain scalar inside flow collections.
bool safe_flow_plain(const std::string& text) {
  if (text.empty()) return false;
  if (text.front() == ' ' || text.back() == ' ') return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos) {
    // "-1", "-.inf" are fine; a lone indicator or one followed by a space is not.
    if (!(text.front() == '-' && text.size() > 1 && text[1] != ' ')) return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || static_cast<unsigned char>(c) < 0x20) return false;
    if (c == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) return false;
    if (c == '#' && i > 0 && text[i - 1] == ' ') return false;
  }
  return true;
}

}  // namespace

std::string describe_node(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::null:
      return "null";
    case YamlNode::Kind::sequence:
      return "a list";
    case YamlNode::Kind::map:
      return "a map";
    case YamlNode::Kind::scalar:
      break;
  }
  constexpr std::size_t kLongest = 60;
  if (node.text.size() > kLongest) return double_quoted(node.text.substr(0, kLongest)) + "...";
  return double_quoted(node.text);
}

std::string to_flow_yaml(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::null:
      return node.text.empty() ? "null" : node.text;
    case YamlNode::Kind::scalar:
      return node.plain && safe_flow_plain(node.text) ? node.text : double_quoted(node.text);
    case YamlNode::Kind::sequence: {
      std::string text = "[";
      for (std::size_t i = 0; i < node.children.size(); ++i) text += (i ? ", " : "") + to_flow_yaml(node.children[i]);
      return text + "]";
    }
    case YamlNode::Kind::map: {
      std::string text = "{";
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        const auto& child = node.children[i];
        text += (i ? ", " : "") + (safe_flow_plain(child.key) ? child.key : double_quoted(child.key)) + ": " +
                to_flow_yaml(child);
      }
      return text + "}";
    }
  }
  return "null";
}

std::string child_path(const std::string& parent, const std::string& component) {
  return parent.empty() ? component : parent + "." + component;
}

void collect_locations(const YamlNode& node, std::vector<SourceLocation>& locations) {
  locations.push_back(node.location);
  if (node.kind == YamlNode::Kind::map) {
    for (const auto& child : node.children) locations.push_back(child.key_location);
  }
  for (const auto& child : node.children) collect_locations(child, locations);
}

bool same_location(const SourceLocation& a, const SourceLocation& b) {
  return a.file == b.file && a.line == b.line && a.column == b.column;
}

}  // namespace thermo::engine
