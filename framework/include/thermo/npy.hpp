#pragma once
// NumPy .npy files (format 1.0 on write; 1.0–3.0 on read): little-endian, C order, float32,
// float64 or int32. Checkpoints, parameter vectors and reference data are exchanged this way,
// so numpy.load reads what thermo writes and the PyTorch reference reads it too.

#include <thermo/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace thermo {

// An array read from a .npy file: raw little-endian elements in C order.
struct NpyArray {
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;  // empty for a 0-d array
  std::vector<std::byte> data;

  [[nodiscard]] std::size_t count() const;
  // The elements converted to double / float (any stored dtype).
  [[nodiscard]] std::vector<double> to_f64() const;
  [[nodiscard]] std::vector<float> to_f32() const;
  // The elements of an int32 array; throws UserError for another dtype.
  [[nodiscard]] std::vector<std::int32_t> to_i32() const;
};

// Writes `data` (count = product of shape elements of `dtype`) to `file`, replacing it; throws
// UserError naming the file when it cannot be written.
void write_npy(const std::filesystem::path& file, DType dtype, std::span<const std::int64_t> shape, const void* data);
void write_npy(const std::filesystem::path& file, std::span<const float> values, std::span<const std::int64_t> shape);
void write_npy(const std::filesystem::path& file, std::span<const double> values, std::span<const std::int64_t> shape);
void write_npy(const std::filesystem::path& file, std::span<const std::int32_t> values,
               std::span<const std::int64_t> shape);

// Reads a .npy file of dtype <f4, <f8 or <i4 in C order; throws UserError naming the file and
// the problem otherwise.
[[nodiscard]] NpyArray read_npy(const std::filesystem::path& file);

}  // namespace thermo
