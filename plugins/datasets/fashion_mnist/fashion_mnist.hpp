#pragma once
// Fashion-MNIST from its gzip-compressed IDX files (Debian's dataset-fashion-mnist): 1×28×28
// images of 10 classes, zero-padded to pad_to × pad_to and normalised with the data set's own
// mean and standard deviation.

#include <thermo/dataset.hpp>
#include <thermo/image_data.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

namespace thermo::fashion_mnist {

inline constexpr std::int64_t kSide = 28;
inline constexpr std::int64_t kClasses = 10;
inline constexpr const char* kDefaultFolder = "/usr/share/datasets/fashion-mnist";

[[nodiscard]] const DataSource& fashion_mnist_source();

// Mean and (population) standard deviation of pixel / 255 over `pixels`, computed exactly from a
// histogram of the byte values, so they do not depend on summation order.
struct PixelStats {
  double mean = 0.0;
  double std_dev = 1.0;
};
[[nodiscard]] PixelStats pixel_stats(std::span<const std::uint8_t> pixels);

// Loads `folder`: the statistics come from ALL training images as stored (28×28, before the
// subset and before padding); images are padded with black (raw 0) pixels, (pad_to − 28) / 2 on
// the top and left, the rest on the bottom and right, then normalised like the reference's
// ToTensor + Normalize (float32). pad_to >= 28.
[[nodiscard]] std::unique_ptr<Dataset> load_fashion_mnist(const std::filesystem::path& folder, std::int64_t pad_to,
                                                          const SubsetOptions& options);

}  // namespace thermo::fashion_mnist
