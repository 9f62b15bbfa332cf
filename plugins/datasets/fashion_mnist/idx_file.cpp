#include "idx_file.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <memory>
#include <string>

namespace thermo::fashion_mnist {
namespace {

struct GzipCloser {
  void operator()(gzFile_s* handle) const { gzclose_r(handle); }
};

std::uint32_t big_endian_u32(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24U) | (std::uint32_t{bytes[offset + 1]} << 16U) |
         (std::uint32_t{bytes[offset + 2]} << 8U) | std::uint32_t{bytes[offset + 3]};
}

// The magic number and the header's size checks both file kinds share.
void check_header(const std::filesystem::path& file, std::span<const std::uint8_t> bytes, std::size_t header_bytes,
                  std::uint32_t magic, const char* kind, const DataSource& source) {
  if (bytes.size() < header_bytes) {
    throw data_file_error(file,
                          fmt::format("it holds {} bytes after decompression, too few for the {}-byte header of an "
                                      "IDX {} file (the file is truncated)",
                                      bytes.size(), header_bytes, kind),
                          source);
  }
  const auto found = big_endian_u32(bytes, 0);
  if (found != magic) {
    throw data_file_error(
        file, fmt::format("bad magic number 0x{:08x}: an IDX {} file starts with 0x{:08x}", found, kind, magic),
        source);
  }
}

}  // namespace

std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& file, const DataSource& source) {
  require_data_file(file, source);
  const std::unique_ptr<gzFile_s, GzipCloser> handle(gzopen(file.c_str(), "rb"));
  if (!handle) throw data_file_error(file, "cannot open the file for reading (check its permissions)", source);
  std::vector<std::uint8_t> bytes;
  // 64 KiB pieces: the buffer is zero-filled on every call, and most IDX files are small.
  std::vector<std::uint8_t> chunk(std::size_t{1} << 16U);
  while (true) {
    const int count = gzread(handle.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    // zlib reads a file that is not gzip as it is ("transparent" mode): refuse that.
    if (gzdirect(handle.get()) != 0) {
      throw data_file_error(file, "not a gzip file (expected gzip-compressed IDX data)", source);
    }
    int error_number = Z_OK;
    std::string message = gzerror(handle.get(), &error_number);
    // A stream cut short ends reads quietly with Z_BUF_ERROR; a corrupt one fails with Z_DATA_ERROR.
    if (count < 0 || error_number != Z_OK) {
      const std::string prefix = file.string() + ": ";  // zlib names the file itself; we already do
      if (message.starts_with(prefix)) message.erase(0, prefix.size());
      throw data_file_error(file, fmt::format("the gzip data are corrupt or truncated (zlib: {})", message), source);
    }
    if (count == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + count);
  }
  return bytes;
}

IdxImages parse_idx_images(const std::filesystem::path& file, std::span<const std::uint8_t> bytes, std::int64_t rows,
                           std::int64_t columns, const DataSource& source) {
  constexpr std::size_t kHeaderBytes = 16;
  check_header(file, bytes, kHeaderBytes, kIdxImagesMagic, "image", source);
  IdxImages images;
  images.count = big_endian_u32(bytes, 4);
  images.rows = big_endian_u32(bytes, 8);
  images.columns = big_endian_u32(bytes, 12);
  if (images.rows != rows || images.columns != columns) {
    throw data_file_error(file,
                          fmt::format("its images are {}x{}, but {} images are {}x{}", images.rows, images.columns,
                                      source.name, rows, columns),
                          source);
  }
  const auto expected = static_cast<std::size_t>(images.count * rows * columns);
  if (bytes.size() - kHeaderBytes != expected) {
    throw data_file_error(file,
                          fmt::format("its header announces {} images of {}x{} ({} bytes after the {}-byte header), "
                                      "but {} bytes follow (the file is truncated or corrupt)",
                                      images.count, rows, columns, expected, kHeaderBytes, bytes.size() - kHeaderBytes),
                          source);
  }
  images.pixels = bytes.subspan(kHeaderBytes);
  return images;
}

std::vector<std::int32_t> parse_idx_labels(const std::filesystem::path& file, std::span<const std::uint8_t> bytes,
                                           std::int64_t classes, const DataSource& source) {
  constexpr std::size_t kHeaderBytes = 8;
  check_header(file, bytes, kHeaderBytes, kIdxLabelsMagic, "label", source);
  const std::size_t count = big_endian_u32(bytes, 4);
  if (bytes.size() - kHeaderBytes != count) {
    throw data_file_error(file,
                          fmt::format("its header announces {} labels ({} bytes after the {}-byte header), but {} "
                                      "bytes follow (the file is truncated or corrupt)",
                                      count, count, kHeaderBytes, bytes.size() - kHeaderBytes),
                          source);
  }
  std::vector<std::int32_t> labels(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int label = bytes[kHeaderBytes + i];
    check_label(file, static_cast<std::int64_t>(i), label, classes, "label", source);
    labels[i] = label;
  }
  return labels;
}

}  // namespace thermo::fashion_mnist
