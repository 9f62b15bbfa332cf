#include "fashion_mnist.hpp"

#include "idx_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace thermo::fashion_mnist {
namespace {

struct SplitFiles {
  const char* images;
  const char* labels;
};
constexpr SplitFiles kTrainFiles{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"};
constexpr SplitFiles kTestFiles{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

// One split's files, decompressed and checked, images and labels matched.
struct RawSplit {
  std::vector<std::uint8_t> image_bytes;
  IdxImages images;
  std::vector<std::int32_t> labels;
};

RawSplit read_split(const std::filesystem::path& folder, const SplitFiles& files) {
  const auto& source = fashion_mnist_source();
  RawSplit raw;
  raw.image_bytes = read_gzip_file(folder / files.images, source);
  raw.images = parse_idx_images(folder / files.images, raw.image_bytes, kSide, kSide, source);
  const auto label_bytes = read_gzip_file(folder / files.labels, source);
  raw.labels = parse_idx_labels(folder / files.labels, label_bytes, kClasses, source);
  if (static_cast<std::int64_t>(raw.labels.size()) != raw.images.count) {
    throw data_file_error(folder / files.labels,
                          fmt::format("it holds {} labels, but {} holds {} images (the files do not belong together)",
                                      raw.labels.size(), (folder / files.images).string(), raw.images.count),
                          source);
  }
  return raw;
}

DataSplit make_split(const RawSplit& raw, const std::vector<std::int64_t>& selected, std::int64_t pad_to,
                     const PixelNormalizer& normalizer) {
  const auto image_bytes = static_cast<std::size_t>(kSide * kSide);
  const auto padded_bytes = static_cast<std::size_t>(pad_to * pad_to);
  const auto before = static_cast<std::size_t>((pad_to - kSide) / 2);  // rows above, columns to the left
  DataSplit split;
  split.size = static_cast<std::int64_t>(selected.size());
  split.samples_f32.resize(selected.size() * padded_bytes);
  split.labels.reserve(selected.size());
  std::vector<std::uint8_t> padded(padded_bytes, 0);
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const auto index = static_cast<std::size_t>(selected[i]);
    split.labels.push_back(raw.labels[index]);
    const auto* src = raw.images.pixels.data() + index * image_bytes;
    for (std::size_t row = 0; row < static_cast<std::size_t>(kSide); ++row) {
      std::copy_n(src + row * kSide, kSide,
                  padded.begin() + static_cast<std::ptrdiff_t>((before + row) * pad_to + before));
    }
    normalizer.normalize(padded, {split.samples_f32.data() + i * padded_bytes, padded_bytes});
  }
  return split;
}

}  // namespace

const DataSource& fashion_mnist_source() {
  static const DataSource source{
      "Fashion-MNIST",
      "Install it with `sudo apt-get install dataset-fashion-mnist` (it installs " + std::string(kDefaultFolder) +
          "), or set the dataset's `path` parameter to the folder that holds train-images-idx3-ubyte.gz, "
          "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.",
      "Reinstall it with `sudo apt-get install --reinstall dataset-fashion-mnist`, or fetch the file again."};
  return source;
}

PixelStats pixel_stats(std::span<const std::uint8_t> pixels) {
  if (pixels.empty()) throw std::logic_error("pixel_stats: no pixels");
  std::array<std::uint64_t, 256> histogram{};
  for (const auto pixel : pixels) ++histogram[pixel];
  const auto count = static_cast<double>(pixels.size());
  double sum = 0.0;
  for (std::size_t value = 0; value < histogram.size(); ++value) {
    sum += static_cast<double>(histogram[value]) * (static_cast<double>(value) / 255.0);
  }
  PixelStats stats;
  stats.mean = sum / count;
  double squares = 0.0;
  for (std::size_t value = 0; value < histogram.size(); ++value) {
    const double deviation = static_cast<double>(value) / 255.0 - stats.mean;
    squares += static_cast<double>(histogram[value]) * deviation * deviation;
  }
  stats.std_dev = std::sqrt(squares / count);
  return stats;
}

std::unique_ptr<Dataset> load_fashion_mnist(const std::filesystem::path& folder, std::int64_t pad_to,
                                            const SubsetOptions& options) {
  if (pad_to < kSide) throw std::logic_error("load_fashion_mnist: pad_to must be >= 28 (the schema says so)");
  const auto& source = fashion_mnist_source();
  // Missing files are reported before any large read.
  for (const auto* name : {kTrainFiles.images, kTrainFiles.labels}) require_data_file(folder / name, source);
  if (options.load_test) {
    for (const auto* name : {kTestFiles.images, kTestFiles.labels}) require_data_file(folder / name, source);
  }

  DatasetInfo info;
  info.name = "fashion_mnist";
  info.channels = 1;
  info.height = pad_to;
  info.width = pad_to;
  info.classes = kClasses;
  info.dtype = DType::f32;

  const auto train_raw = read_split(folder, kTrainFiles);
  const auto stats = pixel_stats(train_raw.images.pixels);
  if (!(stats.std_dev > 0.0)) {
    throw data_file_error(folder / kTrainFiles.images, "all its pixels are equal, so they cannot be normalised",
                          source);
  }
  const PixelNormalizer normalizer({stats.mean}, {stats.std_dev});
  const auto selected = select_per_label(train_raw.labels, kClasses, options, folder.string());
  auto train = make_split(train_raw, selected, pad_to, normalizer);

  DataSplit test;
  if (options.load_test) {
    const auto test_raw = read_split(folder, kTestFiles);
    std::vector<std::int64_t> every(test_raw.labels.size());
    for (std::size_t i = 0; i < every.size(); ++i) every[i] = static_cast<std::int64_t>(i);
    test = make_split(test_raw, every, pad_to, normalizer);
  }
  return std::make_unique<InMemoryDataset>(std::move(info), std::move(train), std::move(test));
}

}  // namespace thermo::fashion_mnist
