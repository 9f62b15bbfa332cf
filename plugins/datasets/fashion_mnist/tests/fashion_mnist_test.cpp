// Fashion-MNIST: gzip IDX files written here (decoding, statistics, padding, subsets, every
// validation message), then Debian's real files when installed.
#include "../fashion_mnist.hpp"
#include "../fashion_mnist_plugin.hpp"
#include "../idx_file.hpp"
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace thermo;
using namespace thermo::fashion_mnist;
namespace fs = std::filesystem;

namespace {

const fs::path kDebianFolder = kDefaultFolder;

std::uint8_t pixel_of(std::int64_t image, std::int64_t row, std::int64_t column) {
  if ((image + row + column) % 7 == 0) return 0;
  return static_cast<std::uint8_t>((image * 17 + row * 28 + column * 5) % 256);
}

void put_u32(std::vector<std::uint8_t>& bytes, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(value >> shift));
}

std::vector<std::uint8_t> idx_images(std::int64_t first, std::int64_t count, std::uint32_t rows = 28,
                                     std::uint32_t columns = 28) {
  std::vector<std::uint8_t> bytes;
  put_u32(bytes, kIdxImagesMagic);
  put_u32(bytes, static_cast<std::uint32_t>(count));
  put_u32(bytes, rows);
  put_u32(bytes, columns);
  for (std::int64_t image = first; image < first + count; ++image) {
    for (std::int64_t row = 0; row < rows; ++row) {
      for (std::int64_t column = 0; column < columns; ++column) bytes.push_back(pixel_of(image, row, column));
    }
  }
  return bytes;
}

int label_of(std::int64_t image) {
  return static_cast<int>((image * 3) % 10);
}

std::vector<std::uint8_t> idx_labels(std::int64_t first, std::int64_t count) {
  std::vector<std::uint8_t> bytes;
  put_u32(bytes, kIdxLabelsMagic);
  put_u32(bytes, static_cast<std::uint32_t>(count));
  for (std::int64_t image = first; image < first + count; ++image)
    bytes.push_back(static_cast<std::uint8_t>(label_of(image)));
  return bytes;
}

void write_gzip(const fs::path& file, const std::vector<std::uint8_t>& bytes) {
  gzFile handle = gzopen(file.c_str(), "wb");
  REQUIRE(handle != nullptr);
  REQUIRE(gzwrite(handle, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(handle) == Z_OK);
}

constexpr std::int64_t kTrainCount = 40;  // 4 per label
constexpr std::int64_t kTestCount = 15;
constexpr std::int64_t kTestBase = 1000;  // image numbers of the test file

fs::path write_small_dataset(const std::string& name) {
  const auto folder = thermo::testing::scratch_dir(name);
  write_gzip(folder / "train-images-idx3-ubyte.gz", idx_images(0, kTrainCount));
  write_gzip(folder / "train-labels-idx1-ubyte.gz", idx_labels(0, kTrainCount));
  write_gzip(folder / "t10k-images-idx3-ubyte.gz", idx_images(kTestBase, kTestCount));
  write_gzip(folder / "t10k-labels-idx1-ubyte.gz", idx_labels(kTestBase, kTestCount));
  return folder;
}

std::string load_error(const fs::path& folder, std::int64_t pad_to = 32, const SubsetOptions& options = {}) {
  try {
    (void)load_fashion_mnist(folder, pad_to, options);
  } catch (const UserError& error) {
    return error.what();
  }
  return "(no error)";
}

const std::string kRepair =
    "Reinstall it with `sudo apt-get install --reinstall dataset-fashion-mnist`, or fetch the file again.";

// Reference statistics in plain float64 arithmetic over the training images written above.
PixelStats reference_stats() {
  double sum = 0.0;
  const auto pixels = static_cast<double>(kTrainCount * 28 * 28);
  for (std::int64_t image = 0; image < kTrainCount; ++image) {
    for (std::int64_t row = 0; row < 28; ++row) {
      for (std::int64_t column = 0; column < 28; ++column) sum += pixel_of(image, row, column) / 255.0;
    }
  }
  const double mean = sum / pixels;
  double squares = 0.0;
  for (std::int64_t image = 0; image < kTrainCount; ++image) {
    for (std::int64_t row = 0; row < 28; ++row) {
      for (std::int64_t column = 0; column < 28; ++column) {
        const double deviation = pixel_of(image, row, column) / 255.0 - mean;
        squares += deviation * deviation;
      }
    }
  }
  return {mean, std::sqrt(squares / pixels)};
}

// Checks sample `index` of `split` (image number `image`) padded into pad_to × pad_to.
void check_sample(const DataSplit& split, std::int64_t index, std::int64_t image, std::int64_t pad_to,
                  const PixelStats& stats) {
  const PixelNormalizer normalizer({stats.mean}, {stats.std_dev});
  const std::int64_t before = (pad_to - 28) / 2;
  std::size_t mismatches = 0;
  double worst = 0.0;
  for (std::int64_t row = 0; row < pad_to; ++row) {
    for (std::int64_t column = 0; column < pad_to; ++column) {
      const bool inside = row >= before && row < before + 28 && column >= before && column < before + 28;
      const std::uint8_t pixel = inside ? pixel_of(image, row - before, column - before) : 0;
      const float value = split.samples_f32[static_cast<std::size_t>((index * pad_to + row) * pad_to + column)];
      if (value != normalizer.value(0, pixel)) ++mismatches;
      worst = std::max(worst, std::abs(static_cast<double>(value) - (pixel / 255.0 - stats.mean) / stats.std_dev));
    }
  }
  CHECK(mismatches == 0);
  CHECK(worst < 1e-5);
}

}  // namespace

TEST_CASE("Fashion-MNIST: decoding, statistics of the training images, padding to 32") {
  const auto folder = write_small_dataset("fashion-decode");
  const auto dataset = load_fashion_mnist(folder, 32, {});
  const auto& info = dataset->info();
  CHECK(info.name == "fashion_mnist");
  CHECK(info.channels == 1);
  CHECK(info.height == 32);
  CHECK(info.width == 32);
  CHECK(info.classes == 10);
  CHECK(info.dtype == DType::f32);

  const auto train_bytes = idx_images(0, kTrainCount);
  const auto stats = pixel_stats(std::span(train_bytes).subspan(16));
  const auto reference = reference_stats();
  CHECK(stats.mean == doctest::Approx(reference.mean).epsilon(1e-12));
  CHECK(stats.std_dev == doctest::Approx(reference.std_dev).epsilon(1e-12));

  const auto& train = dataset->split(Split::train);
  REQUIRE(train.size == kTrainCount);
  REQUIRE(train.samples_f32.size() == static_cast<std::size_t>(kTrainCount * 32 * 32));
  for (std::int64_t i = 0; i < kTrainCount; ++i) {
    CHECK(train.labels[static_cast<std::size_t>(i)] == label_of(i));
    check_sample(train, i, i, 32, stats);
  }
  // The padding is the normalised black pixel.
  CHECK(train.samples_f32[0] == doctest::Approx(-stats.mean / stats.std_dev).epsilon(1e-6));

  const auto& test = dataset->split(Split::test);
  REQUIRE(test.size == kTestCount);
  for (std::int64_t i = 0; i < kTestCount; ++i) {
    CHECK(test.labels[static_cast<std::size_t>(i)] == label_of(kTestBase + i));
    check_sample(test, i, kTestBase + i, 32, stats);  // normalised with the TRAINING statistics
  }
  fs::remove_all(folder);
}

TEST_CASE("Fashion-MNIST: pad_to 28 keeps the images, an odd margin puts the extra row below") {
  const auto folder = write_small_dataset("fashion-pad");
  const auto stats = reference_stats();
  const auto plain = load_fashion_mnist(folder, 28, {std::nullopt, 1, false});
  CHECK(plain->info().height == 28);
  CHECK(plain->split(Split::test).size == 0);
  for (std::int64_t i = 0; i < kTrainCount; ++i) check_sample(plain->split(Split::train), i, i, 28, stats);

  const auto odd = load_fashion_mnist(folder, 33, {std::nullopt, 1, false});
  CHECK(odd->info().width == 33);
  const auto& train = odd->split(Split::train);
  for (std::int64_t i = 0; i < kTrainCount; ++i) check_sample(train, i, i, 33, stats);
  const PixelNormalizer normalizer({stats.mean}, {stats.std_dev});
  // Image 1, pixel (0, 0) = 17 lands at (2, 2); pixel (27, 27) at (29, 29); rows 30..32 are black.
  CHECK(train.samples_f32[33 * 33 + 2 * 33 + 2] == normalizer.value(0, pixel_of(1, 0, 0)));
  CHECK(train.samples_f32[33 * 33 + 29 * 33 + 29] == normalizer.value(0, pixel_of(1, 27, 27)));
  CHECK(train.samples_f32[33 * 33 + 30 * 33 + 29] == normalizer.value(0, 0));
  fs::remove_all(folder);
}

TEST_CASE("Fashion-MNIST: subsets per label and the test: false switch") {
  const auto folder = write_small_dataset("fashion-subset");
  fs::remove(folder / "t10k-images-idx3-ubyte.gz");  // not needed with test: false
  const auto first = load_fashion_mnist(folder, 32, {2, 1, false});
  const auto& train = first->split(Split::train);
  REQUIRE(train.size == 20);
  std::map<int, int> per_class;
  for (auto label : train.labels) ++per_class[label];
  CHECK(per_class.size() == 10);
  for (const auto& [label, count] : per_class) CHECK(count == 2);
  const auto again = load_fashion_mnist(folder, 32, {2, 1, false});
  CHECK(again->split(Split::train).samples_f32 == train.samples_f32);

  CHECK(load_error(folder, 32, {5, 1, false}) ==
        "samples_per_label is 5, but label 0 has only 4 training samples in " + folder.string() +
            ". Use samples_per_label <= 4 (the smallest class), or null for every sample.");
  CHECK(load_error(folder, 32, {2, 1, true}) ==
        (folder / "t10k-images-idx3-ubyte.gz").string() +
            ": no such file (the Fashion-MNIST data are expected here). Install it with `sudo apt-get install "
            "dataset-fashion-mnist` (it installs /usr/share/datasets/fashion-mnist), or set the dataset's `path` "
            "parameter to the folder that holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.");
  fs::remove_all(folder);
}

TEST_CASE("Fashion-MNIST errors name the file and say what to do") {
  const auto folder = write_small_dataset("fashion-errors");
  const auto images = folder / "train-images-idx3-ubyte.gz";
  const auto labels = folder / "train-labels-idx1-ubyte.gz";

  SUBCASE("not gzip") {
    thermo::testing::write_file(images, "plain bytes, not gzip");
    CHECK(load_error(folder) == images.string() + ": not a gzip file (expected gzip-compressed IDX data). " + kRepair);
  }
  SUBCASE("empty file") {
    thermo::testing::write_file(images, "");
    CHECK(load_error(folder) == images.string() + ": not a gzip file (expected gzip-compressed IDX data). " + kRepair);
  }
  SUBCASE("truncated gzip") {
    fs::resize_file(images, fs::file_size(images) / 2);
    CHECK(load_error(folder) ==
          images.string() + ": the gzip data are corrupt or truncated (zlib: unexpected end of file). " + kRepair);
  }
  SUBCASE("corrupt gzip") {
    auto bytes = thermo::testing::read_file(images);
    bytes[bytes.size() - 6] = static_cast<char>(bytes[bytes.size() - 6] ^ 0x55);  // inside the CRC-32
    thermo::testing::write_file(images, bytes);
    CHECK(load_error(folder) ==
          images.string() + ": the gzip data are corrupt or truncated (zlib: incorrect data check). " + kRepair);
  }
  SUBCASE("bad magic number") {
    auto bytes = idx_images(0, kTrainCount);
    bytes[3] = 0x01;  // a label file's magic in an image file
    write_gzip(images, bytes);
    CHECK(load_error(folder) ==
          images.string() + ": bad magic number 0x00000801: an IDX image file starts with 0x00000803. " + kRepair);
    write_gzip(labels, idx_images(0, kTrainCount));
    write_gzip(images, idx_images(0, kTrainCount));
    CHECK(load_error(folder) ==
          labels.string() + ": bad magic number 0x00000803: an IDX label file starts with 0x00000801. " + kRepair);
  }
  SUBCASE("header too short") {
    write_gzip(images, {0, 0, 8, 3, 0, 0});
    CHECK(load_error(folder) == images.string() +
                                    ": it holds 6 bytes after decompression, too few for the 16-byte header of an IDX "
                                    "image file (the file is truncated). " +
                                    kRepair);
  }
  SUBCASE("fewer images than the header announces") {
    auto bytes = idx_images(0, kTrainCount);
    bytes.resize(bytes.size() - 100);
    write_gzip(images, bytes);
    CHECK(load_error(folder) == images.string() +
                                    ": its header announces 40 images of 28x28 (31360 bytes after the 16-byte header), "
                                    "but 31260 bytes follow (the file is truncated or corrupt). " +
                                    kRepair);
  }
  SUBCASE("images of the wrong size") {
    write_gzip(images, idx_images(0, kTrainCount, 32, 28));
    CHECK(load_error(folder) ==
          images.string() + ": its images are 32x28, but Fashion-MNIST images are 28x28. " + kRepair);
  }
  SUBCASE("label out of range") {
    auto bytes = idx_labels(0, kTrainCount);
    bytes[8 + 12] = 10;
    write_gzip(labels, bytes);
    CHECK(load_error(folder) == labels.string() +
                                    ": record 12 (counted from 0) has label 10, but Fashion-MNIST labels lie in 0..9 "
                                    "(the file is corrupt or not in the Fashion-MNIST format). " +
                                    kRepair);
  }
  SUBCASE("label count differs from the image count") {
    write_gzip(labels, idx_labels(0, kTrainCount - 1));
    CHECK(load_error(folder) == labels.string() + ": it holds 39 labels, but " + images.string() +
                                    " holds 40 images (the files do not belong together). " + kRepair);
  }
  SUBCASE("label file shorter than its header says") {
    auto bytes = idx_labels(0, kTrainCount);
    bytes.pop_back();
    write_gzip(labels, bytes);
    CHECK(load_error(folder) == labels.string() +
                                    ": its header announces 40 labels (40 bytes after the 8-byte header), but 39 bytes "
                                    "follow (the file is truncated or corrupt). " +
                                    kRepair);
  }
  SUBCASE("missing label file") {
    fs::remove(labels);
    CHECK(load_error(folder).starts_with(labels.string() +
                                         ": no such file (the Fashion-MNIST data are expected here). "
                                         "Install it with `sudo apt-get install dataset-fashion-mnist`"));
  }
  fs::remove_all(folder);
}

TEST_CASE("fashion_mnist plugin: schema") {
  const FashionMnistPlugin plugin;
  CHECK(plugin.name() == "fashion_mnist");
  const auto schema = plugin.schema();
  CHECK(std::get<std::string>(*schema.find("path")->default_value) == "/usr/share/datasets/fashion-mnist");
  CHECK(schema.find("path")->type == ParamType::path);
  CHECK(std::get<std::int64_t>(*schema.find("pad_to")->default_value) == 32);
  CHECK(*schema.find("pad_to")->minimum == 28.0);
  CHECK(schema.find("samples_per_label")->nullable);
  CHECK(std::get<std::int64_t>(*schema.find("seed")->default_value) == 1);
  CHECK(std::get<bool>(*schema.find("test")->default_value));
}

TEST_CASE("Fashion-MNIST: Debian's files" * doctest::skip(!fs::exists(kDebianFolder / "train-images-idx3-ubyte.gz"))) {
  const FashionMnistPlugin plugin;
  const auto dataset = plugin.create(thermo::testing::params_with(plugin.schema(), {}));
  const auto& train = dataset->split(Split::train);
  const auto& test = dataset->split(Split::test);
  REQUIRE(train.size == 60000);
  REQUIRE(test.size == 10000);
  CHECK(dataset->info().height == 32);
  std::map<int, int> train_classes, test_classes;
  for (auto label : train.labels) ++train_classes[label];
  for (auto label : test.labels) ++test_classes[label];
  REQUIRE(train_classes.size() == 10);
  CHECK(train_classes.begin()->first == 0);
  CHECK(train_classes.rbegin()->first == 9);
  for (const auto& [label, count] : train_classes) CHECK(count == 6000);
  for (const auto& [label, count] : test_classes) CHECK(count == 1000);

  // The statistics against a plain float64 pass over the raw training pixels, and the published
  // values (mean 0.2860, std 0.3530).
  const auto raw = read_gzip_file(kDebianFolder / "train-images-idx3-ubyte.gz", fashion_mnist_source());
  const auto pixels = std::span(raw).subspan(16);
  double sum = 0.0;
  for (auto pixel : pixels) sum += pixel / 255.0;
  const double mean = sum / static_cast<double>(pixels.size());
  double squares = 0.0;
  for (auto pixel : pixels) squares += (pixel / 255.0 - mean) * (pixel / 255.0 - mean);
  const double std_dev = std::sqrt(squares / static_cast<double>(pixels.size()));
  const auto stats = pixel_stats(pixels);
  CHECK(stats.mean == doctest::Approx(mean).epsilon(1e-10));
  CHECK(stats.std_dev == doctest::Approx(std_dev).epsilon(1e-10));
  CHECK(std::abs(stats.mean - 0.2860) < 5e-4);
  CHECK(std::abs(stats.std_dev - 0.3530) < 5e-4);

  // Sample 123: black border of 2, raw pixels inside.
  const PixelNormalizer normalizer({stats.mean}, {stats.std_dev});
  const float black = normalizer.value(0, 0);
  const std::size_t sample = 123;
  const auto* values = train.samples_f32.data() + sample * 32 * 32;
  std::size_t mismatches = 0;
  for (std::size_t row = 0; row < 32; ++row) {
    for (std::size_t column = 0; column < 32; ++column) {
      const bool inside = row >= 2 && row < 30 && column >= 2 && column < 30;
      const float expected = inside ? normalizer.value(0, pixels[sample * 784 + (row - 2) * 28 + (column - 2)]) : black;
      if (values[row * 32 + column] != expected) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("fashion_mnist: loads as a plugin library; its errors cross the library boundary") {
  const auto& plugin =
      thermo::testing::load_plugin<thermo::DatasetPlugin>(thermo::PluginKind::dataset, "fashion_mnist");
  const auto folder = write_small_dataset("fashion-plugin");
  const auto dataset = plugin.create(thermo::testing::params_with(plugin.schema(), {{"path", folder.string()}}));
  CHECK(dataset->split(Split::train).size == kTrainCount);
  fs::remove(folder / "train-labels-idx1-ubyte.gz");
  CHECK_THROWS_AS((void)plugin.create(thermo::testing::params_with(plugin.schema(), {{"path", folder.string()}})),
                  UserError);
  fs::remove_all(folder);
}
