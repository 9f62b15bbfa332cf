#pragma once
// Gzip-compressed IDX files (the MNIST family's format): whole-file decompression with zlib and
// header checks whose errors name the file and say what is wrong.

#include <thermo/image_data.hpp>

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace thermo::fashion_mnist {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
inline constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

// The decompressed content of a gzip file; a plain (not gzip) file, corrupt or truncated
// compressed data raise UserError.
[[nodiscard]] std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& file, const DataSource& source);

struct IdxImages {
  std::int64_t count = 0, rows = 0, columns = 0;
  std::span<const std::uint8_t> pixels;  // count × rows × columns, row-major, into the file's bytes
};

// Parses an IDX image file (bytes from read_gzip_file) whose images must be rows × columns.
[[nodiscard]] IdxImages parse_idx_images(const std::filesystem::path& file, std::span<const std::uint8_t> bytes,
                                         std::int64_t rows, std::int64_t columns, const DataSource& source);

// Parses an IDX label file; every label must lie in [0, classes).
[[nodiscard]] std::vector<std::int32_t> parse_idx_labels(const std::filesystem::path& file,
                                                         std::span<const std::uint8_t> bytes, std::int64_t classes,
                                                         const DataSource& source);

}  // namespace thermo::fashion_mnist
