#pragma once
// Light checks of what the report wrote: an SVG file looks like one, a PNG has the signature and
// its size, and the figure stems every sweep of the tests should produce.

#include "test_support.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace thermo::report_test {

// Starts with "<?xml" or "<svg", holds an <svg element and ends with "</svg>".
inline bool looks_like_svg(const std::filesystem::path& file) {
  std::string text = testing::read_file(file);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.pop_back();
  const bool starts = text.rfind("<?xml", 0) == 0 || text.rfind("<svg", 0) == 0;
  const bool ends = text.size() >= 6 && text.compare(text.size() - 6, 6, "</svg>") == 0;
  return starts && ends && text.find("<svg") != std::string::npos;
}

// Width and height from the IHDR chunk, or nullopt when the file is not a PNG.
inline std::optional<std::pair<std::uint32_t, std::uint32_t>> png_size(const std::filesystem::path& file) {
  const std::string bytes = testing::read_file(file);
  static const std::string kSignature = "\x89PNG\r\n\x1a\n";
  if (bytes.size() < 24 || bytes.compare(0, 8, kSignature) != 0 || bytes.compare(12, 4, "IHDR") != 0) {
    return std::nullopt;
  }
  const auto big_endian = [&](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
  };
  return std::make_pair(big_endian(16), big_endian(20));
}

inline std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

}  // namespace thermo::report_test
