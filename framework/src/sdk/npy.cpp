#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/npy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace thermo {
namespace {
static_assert(std::endian::native == std::endian::little, "the .npy code assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

std::string descr_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::i32:
      return "<i4";
  }
  return "?";
}

std::size_t element_count(std::span<const std::int64_t> shape) {
  std::size_t count = 1;
  for (auto extent : shape) {
    if (extent < 0) throw std::invalid_argument("write_npy: negative extent");
    count *= static_cast<std::size_t>(extent);
  }
  return count;
}

std::string header_text(DType dtype, std::span<const std::int64_t> shape) {
  std::string shape_text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    shape_text += fmt::format("{}", shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) shape_text += ",";
    if (i + 1 < shape.size()) shape_text += " ";
  }
  shape_text += ")";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr_of(dtype), shape_text);
  // Version 1.0: magic (6) + version (2) + length (2) + header, padded with spaces to a multiple
  // of 64 and ended by a newline.
  const std::size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  return header;
}

template <class T>
void check_count(std::span<const T> values, std::span<const std::int64_t> shape) {
  if (values.size() != element_count(shape)) {
    throw std::invalid_argument(
        fmt::format("write_npy: {} values for a shape of {} elements", values.size(), element_count(shape)));
  }
}

[[noreturn]] void malformed(const std::filesystem::path& file, std::string_view why) {
  throw UserError(fmt::format("{}: not a readable .npy file: {}", file.string(), why));
}

// The text after `'key':` in the header dictionary, with leading spaces skipped.
std::string_view value_after(const std::filesystem::path& file, std::string_view header, std::string_view key) {
  const std::string quoted = fmt::format("'{}'", key);
  auto position = header.find(quoted);
  if (position == std::string_view::npos) malformed(file, fmt::format("the header has no {}", quoted));
  position = header.find(':', position + quoted.size());
  if (position == std::string_view::npos) malformed(file, fmt::format("the header's {} has no value", quoted));
  ++position;
  while (position < header.size() && header[position] == ' ') ++position;
  return header.substr(position);
}

DType parse_descr(const std::filesystem::path& file, std::string_view header) {
  auto value = value_after(file, header, "descr");
  if (value.empty() || (value[0] != '\'' && value[0] != '"')) malformed(file, "descr is not a string");
  const char quote = value[0];
  const auto end = value.find(quote, 1);
  if (end == std::string_view::npos) malformed(file, "descr is not a string");
  const auto descr = value.substr(1, end - 1);
  if (descr == "<f4") return DType::f32;
  if (descr == "<f8") return DType::f64;
  if (descr == "<i4") return DType::i32;
  malformed(file, fmt::format("dtype '{}' is not supported (float32 <f4, float64 <f8 or int32 <i4 only)", descr));
}

// The size of an array's data in bytes; nullopt when it does not fit in size_t.
std::optional<std::size_t> data_bytes(std::span<const std::int64_t> shape, DType dtype) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::size_t bytes = dtype_size(dtype);
  for (const auto extent : shape) {
    if (__builtin_mul_overflow(bytes, static_cast<std::size_t>(extent), &bytes)) return std::nullopt;
  }
  return bytes;
}

// How many bytes the stream holds after its read position.
std::size_t bytes_left(std::ifstream& in) {
  const auto position = in.tellg();
  in.seekg(0, std::ios::end);
  const auto end = in.tellg();
  in.seekg(position);
  return position < 0 || end < position ? 0 : static_cast<std::size_t>(end - position);
}

std::vector<std::int64_t> parse_shape(const std::filesystem::path& file, std::string_view header) {
  auto value = value_after(file, header, "shape");
  if (value.empty() || value[0] != '(') malformed(file, "shape is not a tuple");
  const auto end = value.find(')');
  if (end == std::string_view::npos) malformed(file, "shape is not a tuple");
  std::vector<std::int64_t> shape;
  std::string_view inside = value.substr(1, end - 1);
  while (!inside.empty()) {
    const auto comma = inside.find(',');
    std::string item(inside.substr(0, comma));
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    if (!item.empty()) {
      std::size_t used = 0;
      long long extent = -1;
      try {
        extent = std::stoll(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != item.size() || extent < 0) malformed(file, fmt::format("bad extent '{}' in shape", item));
      shape.push_back(extent);
    }
    if (comma == std::string_view::npos) break;
    inside.remove_prefix(comma + 1);
  }
  return shape;
}
}  // namespace

std::size_t NpyArray::count() const {
  return element_count(shape);
}

std::vector<double> NpyArray::to_f64() const {
  std::vector<double> values(count());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::byte* item = data.data() + i * dtype_size(dtype);
    if (dtype == DType::f64) {
      std::memcpy(&values[i], item, sizeof(double));
    } else if (dtype == DType::f32) {
      float value = 0.0F;
      std::memcpy(&value, item, sizeof value);
      values[i] = static_cast<double>(value);
    } else {
      std::int32_t value = 0;
      std::memcpy(&value, item, sizeof value);
      values[i] = value;
    }
  }
  return values;
}

std::vector<float> NpyArray::to_f32() const {
  if (dtype == DType::f32) {
    std::vector<float> values(count());
    // An empty array's data() may be null, and memcpy from null is undefined even for 0 bytes.
    if (!values.empty()) std::memcpy(values.data(), data.data(), values.size() * sizeof(float));
    return values;
  }
  const auto wide = to_f64();
  std::vector<float> values(wide.size());
  std::transform(wide.begin(), wide.end(), values.begin(), [](double value) { return static_cast<float>(value); });
  return values;
}

std::vector<std::int32_t> NpyArray::to_i32() const {
  if (dtype != DType::i32) throw UserError(fmt::format("expected an int32 array, got {}", to_string(dtype)));
  std::vector<std::int32_t> values(count());
  if (!values.empty()) std::memcpy(values.data(), data.data(), values.size() * sizeof(std::int32_t));
  return values;
}

void write_npy(const std::filesystem::path& file, DType dtype, std::span<const std::int64_t> shape, const void* data) {
  const std::string header = header_text(dtype, shape);
  if (header.size() > 65535) throw std::invalid_argument("write_npy: too many dimensions");
  const auto header_size = static_cast<std::uint16_t>(header.size());
  DurableFile out(file);
  out.write(std::string_view(kMagic, kMagicSize));
  const char version[2] = {1, 0};
  out.write(std::string_view(version, 2));
  const char length[2] = {static_cast<char>(header_size & 0xFFU), static_cast<char>(header_size >> 8U)};
  out.write(std::string_view(length, 2));
  out.write(header);
  out.write(std::span<const std::byte>(static_cast<const std::byte*>(data), element_count(shape) * dtype_size(dtype)));
  out.commit();
}

void write_npy(const std::filesystem::path& file, std::span<const float> values, std::span<const std::int64_t> shape) {
  check_count(values, shape);
  write_npy(file, DType::f32, shape, values.data());
}

void write_npy(const std::filesystem::path& file, std::span<const double> values, std::span<const std::int64_t> shape) {
  check_count(values, shape);
  write_npy(file, DType::f64, shape, values.data());
}

void write_npy(const std::filesystem::path& file, std::span<const std::int32_t> values,
               std::span<const std::int64_t> shape) {
  check_count(values, shape);
  write_npy(file, DType::i32, shape, values.data());
}

NpyArray read_npy(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot open {}", file.string()));
  char prefix[kMagicSize + 2] = {};
  in.read(prefix, sizeof prefix);
  if (!in || std::memcmp(prefix, kMagic, kMagicSize) != 0) malformed(file, "no NUMPY magic");
  const int major = prefix[kMagicSize];
  std::size_t header_size = 0;
  if (major == 1) {
    unsigned char length[2] = {};
    in.read(reinterpret_cast<char*>(length), 2);
    header_size = length[0] | (static_cast<std::size_t>(length[1]) << 8U);
  } else if (major == 2 || major == 3) {
    unsigned char length[4] = {};
    in.read(reinterpret_cast<char*>(length), 4);
    for (int i = 3; i >= 0; --i) header_size = (header_size << 8U) | length[i];
  } else {
    malformed(file, fmt::format("format version {} is not supported", major));
  }
  if (!in || header_size > (1U << 24U) || header_size > bytes_left(in)) malformed(file, "truncated header");
  std::string header(header_size, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_size));
  if (!in) malformed(file, "truncated header");

  NpyArray array;
  array.dtype = parse_descr(file, header);
  const auto order = value_after(file, header, "fortran_order");
  if (order.starts_with("True")) malformed(file, "Fortran order is not supported (save with C order)");
  if (!order.starts_with("False")) malformed(file, "fortran_order is neither True nor False");
  array.shape = parse_shape(file, header);

  // The shape is checked against what the file holds before anything is allocated for it.
  const auto bytes = data_bytes(array.shape, array.dtype);
  if (!bytes) malformed(file, "the shape has more elements than any file can hold");
  const std::size_t available = bytes_left(in);
  if (available < *bytes) malformed(file, fmt::format("the data are truncated ({} of {} bytes)", available, *bytes));
  array.data.resize(*bytes);
  in.read(reinterpret_cast<char*>(array.data.data()), static_cast<std::streamsize>(*bytes));
  if (static_cast<std::size_t>(in.gcount()) != *bytes) {
    malformed(file, fmt::format("the data are truncated ({} of {} bytes)", in.gcount(), *bytes));
  }
  return array;
}

}  // namespace thermo
