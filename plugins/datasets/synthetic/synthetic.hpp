#pragma once
// Random data shaped like an image data set, for tests and benchmarks: samples ~ N(0, 1) in
// float32, labels uniform over the classes; the same seed gives the same data.

#include <thermo/dataset.hpp>
#include <thermo/image_data.hpp>

#include <cstdint>
#include <memory>

namespace thermo::synthetic {

struct SyntheticShape {
  std::int64_t train_size = 50000, test_size = 10000;
  std::int64_t classes = 10;
  std::int64_t channels = 3, height = 32, width = 32;
};

// The most values one split may hold (8 GiB of float32): larger requests are refused.
inline constexpr std::int64_t kMaxValues = std::int64_t{1} << 31;

// Split s (train, test) comes from Rng(seed, "synthetic/<s>"): per sample, its label
// (uniform_index(classes)) then its values (normal(), in order). samples_per_label, if set, then
// keeps a subset of the training split (select_per_label, with the same seed); options.load_test
// false or test_size 0 give an empty test split.
[[nodiscard]] std::unique_ptr<Dataset> make_synthetic(const SyntheticShape& shape, const SubsetOptions& options);

}  // namespace thermo::synthetic
