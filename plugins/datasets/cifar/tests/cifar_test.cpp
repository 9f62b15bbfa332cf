// The CIFAR loaders on files written here in the exact binary formats: decoding, channel order,
// normalisation, fine labels, subsets, and every validation message.
#include "../cifar_format.hpp"
#include "../cifar_plugin.hpp"
#include "plugins_for_tests.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/image_data.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace thermo;
using namespace thermo::cifar;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kTestRecordBase = 1000000;  // record ids of the test file start here

// The pixels of record `record`: its id in the first three red bytes (to recognise it after
// subsetting), a pattern that differs per channel and position elsewhere.
std::uint8_t pixel_of(std::int64_t record, std::size_t channel, std::size_t position) {
  if (channel == 0 && position < 3) return static_cast<std::uint8_t>(record >> (8 * (2 - position)));
  return static_cast<std::uint8_t>((record * 131 + static_cast<std::int64_t>(channel * 71 + position * 7)) % 256);
}

using LabelOf = std::function<int(std::int64_t record)>;

// CIFAR-100 writes a coarse byte that differs from the fine label (real files: fine / 5).
int coarse_of(int fine) {
  return fine / 5;
}

void write_cifar_file(const fs::path& file, const CifarFormat& format, std::int64_t first_record, std::int64_t records,
                      const LabelOf& label_of) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(static_cast<std::size_t>(records) * format.record_bytes());
  for (std::int64_t record = first_record; record < first_record + records; ++record) {
    const int label = label_of(record);
    if (format.label_bytes == 2) bytes.push_back(static_cast<std::uint8_t>(coarse_of(label)));
    bytes.push_back(static_cast<std::uint8_t>(label));
    for (std::size_t channel = 0; channel < 3; ++channel) {
      for (std::size_t position = 0; position < 1024; ++position) bytes.push_back(pixel_of(record, channel, position));
    }
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Writes every file of `format` into `folder`: training records are numbered across the
// training files from 0, test records from kTestRecordBase.
void write_dataset(const fs::path& folder, const CifarFormat& format, const LabelOf& label_of) {
  std::int64_t record = 0;
  for (const auto& file : format.train_files) {
    write_cifar_file(folder / file.name, format, record, file.records, label_of);
    record += file.records;
  }
  write_cifar_file(folder / format.test_file.name, format, kTestRecordBase, format.test_file.records, label_of);
}

CifarFormat small_cifar10(std::int64_t first_batch = 30, std::int64_t second_batch = 20) {
  auto format = cifar10_format();
  format.train_files = {{"data_batch_1.bin", first_batch, "a CIFAR-10 batch"},
                        {"data_batch_2.bin", second_batch, "a CIFAR-10 batch"}};
  format.test_file.records = 10;
  return format;
}

CifarFormat small_cifar100() {
  auto format = cifar100_format();
  format.train_files[0].records = 40;
  format.test_file.records = 10;
  return format;
}

// The record id written into sample `index` of `split` (inverts the normalisation of its first
// three red bytes).
std::int64_t record_id(const DataSplit& split, std::int64_t index) {
  const auto& normalizer = cifar_normalizer();
  std::int64_t id = 0;
  for (std::size_t position = 0; position < 3; ++position) {
    const float value = split.samples_f32[static_cast<std::size_t>(index) * kPixelBytes + position];
    int byte = -1;
    for (int candidate = 0; candidate < 256; ++candidate) {
      if (normalizer.value(0, static_cast<std::uint8_t>(candidate)) == value) byte = candidate;
    }
    REQUIRE(byte >= 0);
    id = id * 256 + byte;
  }
  return id;
}

// Checks every value of every sample against the bytes written for `record_ids`.
void check_pixels(const DataSplit& split, const std::vector<std::int64_t>& record_ids) {
  REQUIRE(split.samples_f32.size() == record_ids.size() * kPixelBytes);
  const auto& normalizer = cifar_normalizer();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < record_ids.size(); ++i) {
    for (std::size_t channel = 0; channel < 3; ++channel) {
      for (std::size_t position = 0; position < 1024; ++position) {
        const float expected = normalizer.value(channel, pixel_of(record_ids[i], channel, position));
        if (split.samples_f32[i * kPixelBytes + channel * 1024 + position] != expected) ++mismatches;
      }
    }
  }
  CHECK(mismatches == 0);
}

std::string load_error(const CifarFormat& format, const fs::path& folder, const SubsetOptions& options = {}) {
  try {
    (void)load_cifar(format, folder, options);
  } catch (const UserError& error) {
    return error.what();
  }
  return "(no error)";
}

void set_byte(const fs::path& file, std::size_t offset, std::uint8_t value) {
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  io.seekp(static_cast<std::streamoff>(offset));
  io.put(static_cast<char>(value));
  REQUIRE(io.good());
}

const std::string kCifar10Repair =
    "Download CIFAR-10 again with `tools/get-cifar.sh cifar10`, which checks the archive's md5 sum.";

}  // namespace

TEST_CASE("CIFAR normalisation is torchvision's float32 ToTensor + Normalize") {
  const auto& normalizer = cifar_normalizer();
  REQUIRE(normalizer.channels() == 3);
  // Bit patterns from torch: x.float().div(255).sub(mean).div(std), mean/std as float32 tensors.
  CHECK(normalizer.value(0, 0) == -0x1.36eba0p+1F);
  CHECK(normalizer.value(0, 255) == 0x1.41cda2p+1F);
  CHECK(normalizer.value(1, 128) == 0x1.95eb58p-4F);
  CHECK(normalizer.value(1, 1) == -0x1.3304eep+1F);
  CHECK(normalizer.value(2, 37) == -0x1.7fe00ap+0F);
  CHECK(normalizer.value(2, 255) == 0x1.607a44p+1F);
  // And every entry against the float64 formula.
  const double mean[3] = {0.4914, 0.4822, 0.4465};
  const double std_dev[3] = {0.2023, 0.1994, 0.2010};
  double worst = 0.0;
  for (std::size_t channel = 0; channel < 3; ++channel) {
    for (int pixel = 0; pixel < 256; ++pixel) {
      const double reference = (pixel / 255.0 - mean[channel]) / std_dev[channel];
      const double value = normalizer.value(channel, static_cast<std::uint8_t>(pixel));
      worst = std::max(worst, std::abs(value - reference));
    }
  }
  CHECK(worst < 1e-6);
}

TEST_CASE("CIFAR-10: labels, channel order and pixels of every record") {
  const auto folder = thermo::testing::scratch_dir("cifar10-decode");
  const auto format = small_cifar10();
  const LabelOf label_of = [](std::int64_t record) { return static_cast<int>((record * 7 + record / 3) % 10); };
  write_dataset(folder, format, label_of);

  const auto dataset = load_cifar(format, folder, {});
  const auto& info = dataset->info();
  CHECK(info.name == "cifar10");
  CHECK(info.channels == 3);
  CHECK(info.height == 32);
  CHECK(info.width == 32);
  CHECK(info.classes == 10);
  CHECK(info.dtype == DType::f32);

  const auto& train = dataset->split(Split::train);
  REQUIRE(train.size == 50);
  std::vector<std::int64_t> train_ids;
  for (std::int64_t i = 0; i < 50; ++i) {
    train_ids.push_back(i);
    CHECK(train.labels[static_cast<std::size_t>(i)] == label_of(i));
  }
  check_pixels(train, train_ids);

  const auto& test = dataset->split(Split::test);
  REQUIRE(test.size == 10);
  std::vector<std::int64_t> test_ids;
  for (std::int64_t i = 0; i < 10; ++i) {
    test_ids.push_back(kTestRecordBase + i);
    CHECK(test.labels[static_cast<std::size_t>(i)] == label_of(kTestRecordBase + i));
  }
  check_pixels(test, test_ids);

  // Channel order straight from the file: sample 31 (record 1 of data_batch_2.bin), green plane,
  // row 2, column 3, against the float64 formula.
  const auto bytes = thermo::testing::read_file(folder / "data_batch_2.bin");
  const auto green = static_cast<std::uint8_t>(bytes[3073 + 1 + 1024 + 2 * 32 + 3]);
  const double expected = (green / 255.0 - 0.4822) / 0.1994;
  CHECK(train.samples_f32[31 * 3072 + 1024 + 2 * 32 + 3] == doctest::Approx(expected).epsilon(1e-6));
  fs::remove_all(folder);
}

TEST_CASE("CIFAR-100: the fine label, pixels after two label bytes") {
  const auto folder = thermo::testing::scratch_dir("cifar100-decode");
  const auto format = small_cifar100();
  const LabelOf label_of = [](std::int64_t record) { return static_cast<int>((record * 37 + 11) % 100); };
  write_dataset(folder, format, label_of);

  const auto dataset = load_cifar(format, folder, {});
  CHECK(dataset->info().name == "cifar100");
  CHECK(dataset->info().classes == 100);
  const auto& train = dataset->split(Split::train);
  REQUIRE(train.size == 40);
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 0; i < 40; ++i) {
    ids.push_back(i);
    CHECK(train.labels[static_cast<std::size_t>(i)] == label_of(i));
    CHECK(train.labels[static_cast<std::size_t>(i)] != coarse_of(label_of(i)));
  }
  check_pixels(train, ids);
  CHECK(dataset->split(Split::test).size == 10);
  fs::remove_all(folder);
}

TEST_CASE("subsets: samples_per_label per class, shuffled as the reference does, deterministic per seed") {
  const auto folder = thermo::testing::scratch_dir("cifar10-subset");
  const auto format = small_cifar10(100, 100);
  const LabelOf label_of = [](std::int64_t record) { return static_cast<int>((record * 3) % 10); };
  write_dataset(folder, format, label_of);  // 20 samples per label

  const auto subset = [&](std::int64_t per_label, std::uint64_t seed) {
    return load_cifar(format, folder, {per_label, seed, false});
  };
  const auto first = subset(7, 1);
  const auto& train = first->split(Split::train);
  REQUIRE(train.size == 70);
  CHECK(first->split(Split::test).size == 0);
  std::map<int, int> per_class;
  std::vector<std::int64_t> ids;
  for (std::int64_t i = 0; i < train.size; ++i) {
    const auto id = record_id(train, i);
    ids.push_back(id);
    CHECK(train.labels[static_cast<std::size_t>(i)] == label_of(id));
    ++per_class[train.labels[static_cast<std::size_t>(i)]];
  }
  CHECK(per_class.size() == 10);
  for (const auto& [label, count] : per_class) CHECK(count == 7);
  check_pixels(train, ids);
  // The selection is shuffled as a whole (the reference's numpy.random.shuffle): neither in file
  // order nor grouped by class.
  CHECK_FALSE(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 70);
  CHECK_FALSE(std::is_sorted(train.labels.begin(), train.labels.end()));

  const auto again = subset(7, 1);
  CHECK(again->split(Split::train).labels == train.labels);
  CHECK(again->split(Split::train).samples_f32 == train.samples_f32);

  const auto other = subset(7, 2);
  std::vector<std::int64_t> other_ids;
  for (std::int64_t i = 0; i < other->split(Split::train).size; ++i)
    other_ids.push_back(record_id(other->split(Split::train), i));
  CHECK(other_ids.size() == 70);
  CHECK(other_ids != ids);

  const auto whole = subset(20, 1);  // every sample of every class: the whole set, shuffled
  REQUIRE(whole->split(Split::train).size == 200);
  std::set<std::int64_t> every;
  for (std::int64_t i = 0; i < 200; ++i) every.insert(record_id(whole->split(Split::train), i));
  CHECK(every.size() == 200);
  CHECK(*every.begin() == 0);
  CHECK(*every.rbegin() == 199);

  CHECK(load_error(format, folder, {21, 1, false}) ==
        "samples_per_label is 21, but label 0 has only 20 training samples in " + folder.string() +
            ". Use samples_per_label <= 20 (the smallest class), or null for every sample.");
  fs::remove_all(folder);
}

TEST_CASE("select_per_label: without replacement, shuffled, the first short class named") {
  // 20, 18, 19 and 15 samples of labels 0..3, interleaved.
  std::vector<int> remaining{20, 18, 19, 15};
  std::vector<std::int32_t> labels;
  while (labels.size() < 72) {
    for (int label = 0; label < 4; ++label) {
      if (remaining[static_cast<std::size_t>(label)]-- > 0) labels.push_back(label);
    }
  }
  const SubsetOptions options{5, 9, true};
  const auto selected = select_per_label(labels, 4, options, "somewhere");
  REQUIRE(selected.size() == 20);
  std::set<std::int64_t> unique(selected.begin(), selected.end());
  CHECK(unique.size() == 20);
  CHECK_FALSE(std::is_sorted(selected.begin(), selected.end()));
  std::map<int, int> per_class;
  for (auto index : selected) ++per_class[labels[static_cast<std::size_t>(index)]];
  for (int label = 0; label < 4; ++label) CHECK(per_class[label] == 5);
  CHECK(select_per_label(labels, 4, options, "somewhere") == selected);

  const auto all = select_per_label(labels, 4, {std::nullopt, 1, true}, "somewhere");
  CHECK(all.size() == 72);
  CHECK(all.front() == 0);
  CHECK(all.back() == 71);

  std::string message;
  try {
    (void)select_per_label(labels, 4, {16, 1, true}, "somewhere");
  } catch (const UserError& error) {
    message = error.what();
  }
  CHECK(message ==
        "samples_per_label is 16, but label 3 has only 15 training samples in somewhere. Use samples_per_label <= 15 "
        "(the smallest class), or null for every sample.");
  try {
    (void)select_per_label(labels, 4, {19, 1, true}, "somewhere");
  } catch (const UserError& error) {
    message = error.what();
  }
  CHECK(message ==
        "samples_per_label is 19, but label 1 has only 18 training samples in somewhere. Use samples_per_label <= 15 "
        "(the smallest class), or null for every sample.");
}

TEST_CASE("CIFAR errors name the file and say what to do") {
  const auto folder = thermo::testing::scratch_dir("cifar-errors");
  const auto format = small_cifar10();
  write_dataset(folder, format, [](std::int64_t record) { return static_cast<int>(record % 10); });
  const auto batch2 = (folder / "data_batch_2.bin").string();

  SUBCASE("missing file") {
    fs::remove(folder / "data_batch_2.bin");
    CHECK(load_error(format, folder) ==
          batch2 +
              ": no such file (the CIFAR-10 data are expected here). Download CIFAR-10 with `tools/get-cifar.sh "
              "cifar10` (it unpacks into ./data/cifar-10-batches-bin, or into $THERMO_DATA/cifar-10-batches-bin when "
              "THERMO_DATA is set), or set the dataset's `path` parameter to the folder that holds data_batch_1.bin "
              "... data_batch_5.bin and test_batch.bin.");
  }
  SUBCASE("missing test file, and test: false does not need it") {
    fs::remove(folder / "test_batch.bin");
    CHECK(load_error(format, folder).starts_with((folder / "test_batch.bin").string() + ": no such file"));
    const auto dataset = load_cifar(format, folder, {std::nullopt, 1, false});
    CHECK(dataset->split(Split::train).size == 50);
    CHECK(dataset->split(Split::test).size == 0);
    CHECK(dataset->split(Split::test).samples_f32.empty());
  }
  SUBCASE("truncated file") {
    fs::resize_file(folder / "data_batch_2.bin", 20 * 3073 - 5);
    CHECK(load_error(format, folder) ==
          batch2 +
              ": its size, 61455 bytes, is not a whole number of 3073-byte records (the file is truncated or not a "
              "CIFAR-10 batch). " +
              kCifar10Repair);
  }
  SUBCASE("wrong record count") {
    fs::resize_file(folder / "data_batch_2.bin", 19 * 3073);
    CHECK(load_error(format, folder) ==
          batch2 + ": it holds 19 records of 3073 bytes, but a CIFAR-10 batch holds exactly 20. " + kCifar10Repair);
  }
  SUBCASE("empty file") {
    fs::resize_file(folder / "data_batch_2.bin", 0);
    CHECK(load_error(format, folder) ==
          batch2 + ": it holds 0 records of 3073 bytes, but a CIFAR-10 batch holds exactly 20. " + kCifar10Repair);
  }
  SUBCASE("label out of range") {
    set_byte(folder / "data_batch_2.bin", 4 * 3073, 10);
    CHECK(load_error(format, folder) ==
          batch2 +
              ": record 4 (counted from 0) has label 10, but CIFAR-10 labels lie in 0..9 (the file is corrupt or not "
              "in the CIFAR-10 format). " +
              kCifar10Repair);
  }
  fs::remove_all(folder);
}

TEST_CASE("CIFAR-100 errors: fine label out of range, wrong record count") {
  const auto folder = thermo::testing::scratch_dir("cifar100-errors");
  const auto format = small_cifar100();
  write_dataset(folder, format, [](std::int64_t record) { return static_cast<int>(record % 100); });
  const auto train = (folder / "train.bin").string();
  const std::string repair =
      "Download CIFAR-100 again with `tools/get-cifar.sh cifar100`, which checks the archive's md5 sum.";

  SUBCASE("fine label 100") {
    set_byte(folder / "train.bin", 7 * 3074 + 1, 100);
    CHECK(load_error(format, folder) == train +
                                            ": record 7 (counted from 0) has fine label 100, but CIFAR-100 labels lie "
                                            "in 0..99 (the file is corrupt or not in the CIFAR-100 format). " +
                                            repair);
  }
  SUBCASE("a coarse byte of 255 is not checked (it is not used)") {
    set_byte(folder / "train.bin", 7 * 3074, 255);
    CHECK(load_error(format, folder) == "(no error)");
  }
  SUBCASE("truncated") {
    fs::resize_file(folder / "train.bin", 40 * 3074 + 1);
    CHECK(load_error(format, folder) ==
          train +
              ": its size, 122961 bytes, is not a whole number of 3074-byte records (the file is truncated or not the "
              "CIFAR-100 train.bin). " +
              repair);
  }
  SUBCASE("missing") {
    fs::remove(folder / "train.bin");
    CHECK(load_error(format, folder) ==
          train +
              ": no such file (the CIFAR-100 data are expected here). Download CIFAR-100 with `tools/get-cifar.sh "
              "cifar100` (it unpacks into ./data/cifar-100-binary, or into $THERMO_DATA/cifar-100-binary when "
              "THERMO_DATA is set), or set the dataset's `path` parameter to the folder that holds train.bin and "
              "test.bin.");
  }
  fs::remove_all(folder);
}

TEST_CASE("CIFAR-10 plugin: schema, official layout of 5 x 10000 + 10000 records") {
  const CifarPlugin plugin(cifar10_format());
  CHECK(plugin.name() == "cifar10");
  const auto schema = plugin.schema();
  REQUIRE(schema.find("path") != nullptr);
  CHECK(schema.find("path")->type == ParamType::path);
  CHECK(std::get<std::string>(*schema.find("path")->default_value) == "data/cifar-10-batches-bin");
  CHECK(std::holds_alternative<std::monostate>(*schema.find("samples_per_label")->default_value));
  CHECK(schema.find("samples_per_label")->nullable);
  CHECK(std::get<std::int64_t>(*schema.find("seed")->default_value) == 1);
  CHECK(std::get<bool>(*schema.find("test")->default_value));

  const auto folder = thermo::testing::scratch_dir("cifar10-official");
  const auto format = cifar10_format();
  const LabelOf label_of = [](std::int64_t record) { return static_cast<int>(record % 10); };
  write_dataset(folder, format, label_of);  // 5000 per label

  const auto params = [&](std::int64_t per_label) {
    return thermo::testing::params_with(schema, {{"path", folder.string()}, {"samples_per_label", per_label}});
  };
  const auto dataset = plugin.create(params(100));
  CHECK(dataset->split(Split::train).size == 1000);
  CHECK(dataset->split(Split::test).size == 10000);
  CHECK(dataset->split(Split::test).samples_f32.size() == 10000 * 3072);
  CHECK(record_id(dataset->split(Split::test), 9999) == kTestRecordBase + 9999);
  // The subset spans all five batches (shuffled, each record once), each sample with its record's
  // label and pixels.
  const auto& train = dataset->split(Split::train);
  std::vector<std::int64_t> ids;
  std::set<std::int64_t> batches;
  for (std::int64_t i = 0; i < train.size; ++i) {
    ids.push_back(record_id(train, i));
    CHECK(train.labels[static_cast<std::size_t>(i)] == label_of(ids.back()));
    batches.insert(ids.back() / 10000);
  }
  CHECK(batches == std::set<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == ids.size());
  check_pixels(train, ids);

  std::string message;
  try {
    (void)plugin.create(params(5001));
  } catch (const UserError& error) {
    message = error.what();
  }
  CHECK(message == "samples_per_label is 5001, but label 0 has only 5000 training samples in " + folder.string() +
                       ". Use samples_per_label <= 5000 (the smallest class), or null for every sample.");

  fs::resize_file(folder / "data_batch_5.bin", 9999 * 3073);
  CHECK(load_error(format, folder) == (folder / "data_batch_5.bin").string() +
                                          ": it holds 9999 records of 3073 bytes, but a CIFAR-10 batch holds exactly "
                                          "10000. " +
                                          kCifar10Repair);
  fs::remove_all(folder);
}

TEST_CASE("CIFAR-100 plugin: official layout of 50000 + 10000 records") {
  const CifarPlugin plugin(cifar100_format());
  CHECK(plugin.name() == "cifar100");
  const auto schema = plugin.schema();
  CHECK(std::get<std::string>(*schema.find("path")->default_value) == "data/cifar-100-binary");

  const auto folder = thermo::testing::scratch_dir("cifar100-official");
  const auto format = cifar100_format();
  write_dataset(folder, format, [](std::int64_t record) { return static_cast<int>(record % 100); });
  const auto dataset = plugin.create(
      thermo::testing::params_with(schema, {{"path", folder.string()}, {"samples_per_label", std::int64_t{3}}}));
  CHECK(dataset->info().classes == 100);
  CHECK(dataset->split(Split::train).size == 300);
  CHECK(dataset->split(Split::test).size == 10000);

  fs::resize_file(folder / "test.bin", 10001 * 3074);
  CHECK(load_error(format, folder) == (folder / "test.bin").string() +
                                          ": it holds 10001 records of 3074 bytes, but the CIFAR-100 test.bin holds "
                                          "exactly 10000. Download CIFAR-100 again with `tools/get-cifar.sh "
                                          "cifar100`, which checks the archive's md5 sum.");
  fs::remove_all(folder);
}

TEST_CASE("cifar10 and cifar100 load as plugin libraries; their errors cross the library boundary") {
  const auto folder = thermo::testing::scratch_dir("cifar-plugins");
  for (const std::string name : {"cifar10", "cifar100"}) {
    const auto& plugin = thermo::testing::load_plugin<thermo::DatasetPlugin>(thermo::PluginKind::dataset, name);
    std::string message;
    try {
      (void)plugin.create(thermo::testing::params_with(plugin.schema(), {{"path", folder.string()}}));
    } catch (const UserError& error) {
      message = error.what();
    }
    const std::string first_file = name == "cifar10" ? "data_batch_1.bin" : "train.bin";
    CHECK(message.starts_with((folder / first_file).string() + ": no such file"));
  }
  fs::remove_all(folder);
}
