#pragma once
// The pipeline document as a tree of YAML nodes that keep where they were written, whether a
// scalar was quoted, and map keys in file order. yaml-cpp's own nodes share aliased subtrees and
// lose keys' positions; this tree is what overrides edit and validation reads.

#include <thermo/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace thermo::engine {

struct YamlNode {
  enum class Kind { null, scalar, sequence, map };

  Kind kind = Kind::null;
  std::string text;               // scalar: its text; null: "~", "null", ... or "" when left empty
  bool plain = true;              // written without quotes: YAML would resolve its type
  bool from_environment = false;  // the text came out of ${VAR} expansion
  bool invalid = false;           // an error was already reported for it; checks skip it quietly
  SourceLocation location;
  std::string key;  // a map entry's key (children of maps only)
  SourceLocation key_location;
  std::vector<YamlNode> children;  // sequence items, or map entries in file order

  [[nodiscard]] bool is_null() const { return kind == Kind::null; }
  [[nodiscard]] bool is_scalar() const { return kind == Kind::scalar; }
  [[nodiscard]] bool is_sequence() const { return kind == Kind::sequence; }
  [[nodiscard]] bool is_map() const { return kind == Kind::map; }

  // A map's entry by key, or nullptr (also for non-maps).
  [[nodiscard]] const YamlNode* find(std::string_view entry_key) const;
  [[nodiscard]] YamlNode* find(std::string_view entry_key);

  [[nodiscard]] static YamlNode make_null(SourceLocation location);
  [[nodiscard]] static YamlNode make_scalar(std::string text, bool plain, SourceLocation location);
  [[nodiscard]] static YamlNode make_map(SourceLocation location);
};

// What a message says it got: "\"eight\"" for a scalar, "null", "a list", "a map".
[[nodiscard]] std::string describe_node(const YamlNode& node);

// Flow YAML text that reads back as the same node (plain scalars stay plain where flow syntax
// allows): the form of sweep values and of values quoted in messages.
[[nodiscard]] std::string to_flow_yaml(const YamlNode& node);

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
[[nodiscard]] std::string child_path(const std::string& parent, const std::string& component);

// Every location in the subtree (nodes and keys): tells which errors a value caused.
void collect_locations(const YamlNode& node, std::vector<SourceLocation>& locations);

[[nodiscard]] bool same_location(const SourceLocation& a, const SourceLocation& b);

}  // namespace thermo::engine
