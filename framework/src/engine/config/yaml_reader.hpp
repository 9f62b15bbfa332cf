#pragma once
// Reads YAML text into a YamlNode tree with bounds: one document, at most kMaxYamlNodes nodes
// after expanding aliases, at most kMaxYamlDepth levels, files of at most kMaxPipelineBytes.
// Aliases are expanded (copied) only after their expanded size has been checked, so a "billion
// laughs" document is refused at the offending alias without using memory or time.

#include "config/diagnostics.hpp"
#include "config/yaml_tree.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace thermo::engine {

inline constexpr std::size_t kMaxYamlNodes = 100000;
inline constexpr std::size_t kMaxYamlDepth = 64;
inline constexpr std::size_t kMaxPipelineBytes = std::size_t{1} << 20;

// Where parsed text came from: a file (locations are the marks, 1-based), or one line of
// another text such as the value part of a command-line `key=value` (every node on `line`, its
// column shifted by `column_offset`).
struct TextOrigin {
  std::string file;
  int line = 0;           // 0: take lines from the text
  int column_offset = 0;  // added to columns on the first line of the text
};

// Parses `text`. Syntax errors and exceeded bounds throw UserErrors at once (nothing after them
// can be trusted); duplicate keys are reported to `diagnostics` and the later entry dropped.
// Empty text gives a null node.
[[nodiscard]] YamlNode parse_yaml(const std::string& text, const TextOrigin& origin, Diagnostics& diagnostics);

// Reads and parses a pipeline file; UserErrors when it is missing, unreadable or too large.
[[nodiscard]] YamlNode read_yaml_file(const std::filesystem::path& file, Diagnostics& diagnostics);

}  // namespace thermo::engine
