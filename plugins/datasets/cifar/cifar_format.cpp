#include "cifar_format.hpp"

#include <fmt/format.h>

namespace thermo::cifar {
namespace {

// One file in memory, its records checked: what decoding reads from.
struct LoadedFile {
  std::filesystem::path path;
  std::vector<std::uint8_t> bytes;
};

LoadedFile load_file(const CifarFormat& format, const std::filesystem::path& folder, const CifarFile& file) {
  LoadedFile loaded{folder / file.name, {}};
  loaded.bytes = read_data_file(loaded.path, format.source);
  check_record_count(loaded.path, loaded.bytes.size(), format.record_bytes(), file.records, file.description,
                     format.source);
  return loaded;
}

// The labels of every record of `files`, in order, each checked against the class count.
std::vector<std::int32_t> read_labels(const CifarFormat& format, const std::vector<LoadedFile>& files) {
  std::vector<std::int32_t> labels;
  for (const auto& file : files) {
    const std::size_t records = file.bytes.size() / format.record_bytes();
    for (std::size_t record = 0; record < records; ++record) {
      const int label = file.bytes[record * format.record_bytes() + format.label_offset];
      check_label(file.path, static_cast<std::int64_t>(record), label, format.classes, format.label_name,
                  format.source);
      labels.push_back(label);
    }
  }
  return labels;
}

// The split made of the records at `selected` (indices over all records of `files`, in order).
DataSplit decode_split(const CifarFormat& format, const std::vector<LoadedFile>& files,
                       const std::vector<std::int32_t>& labels, const std::vector<std::int64_t>& selected) {
  std::vector<const std::uint8_t*> records;
  records.reserve(labels.size());
  for (const auto& file : files) {
    for (std::size_t offset = 0; offset < file.bytes.size(); offset += format.record_bytes()) {
      records.push_back(file.bytes.data() + offset);
    }
  }
  DataSplit split;
  split.size = static_cast<std::int64_t>(selected.size());
  split.labels.reserve(selected.size());
  split.samples_f32.resize(selected.size() * kPixelBytes);
  const auto& normalizer = cifar_normalizer();
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const auto index = static_cast<std::size_t>(selected[i]);
    split.labels.push_back(labels[index]);
    normalizer.normalize({records[index] + format.label_bytes, kPixelBytes},
                         {split.samples_f32.data() + i * kPixelBytes, kPixelBytes});
  }
  return split;
}

DataSource cifar_source(const std::string& name, const std::string& argument, const std::string& folder,
                        const std::string& file_list) {
  return {name,
          fmt::format("Download {} with `tools/get-cifar.sh {}` (it unpacks into ./data/{}, or into $THERMO_DATA/{} "
                      "when THERMO_DATA is set), or set the dataset's `path` parameter to the folder that holds {}.",
                      name, argument, folder, folder, file_list),
          fmt::format("Download {} again with `tools/get-cifar.sh {}`, which checks the archive's md5 sum.", name,
                      argument)};
}

}  // namespace

CifarFormat cifar10_format() {
  CifarFormat format;
  format.dataset_name = "cifar10";
  format.summary = "CIFAR-10 (binary version): 50,000 training and 10,000 test images, 3x32x32, 10 classes";
  format.folder_name = "cifar-10-batches-bin";
  format.source = cifar_source("CIFAR-10", "cifar10", "cifar-10-batches-bin",
                               "data_batch_1.bin ... data_batch_5.bin and test_batch.bin");
  format.label_bytes = 1;
  format.label_offset = 0;
  format.label_name = "label";
  format.classes = 10;
  for (int batch = 1; batch <= 5; ++batch) {
    format.train_files.push_back({fmt::format("data_batch_{}.bin", batch), 10000, "a CIFAR-10 batch"});
  }
  format.test_file = {"test_batch.bin", 10000, "a CIFAR-10 batch"};
  return format;
}

CifarFormat cifar100_format() {
  CifarFormat format;
  format.dataset_name = "cifar100";
  format.summary = "CIFAR-100 (binary version): 50,000 training and 10,000 test images, 3x32x32, 100 fine classes";
  format.folder_name = "cifar-100-binary";
  format.source = cifar_source("CIFAR-100", "cifar100", "cifar-100-binary", "train.bin and test.bin");
  format.label_bytes = 2;
  format.label_offset = 1;
  format.label_name = "fine label";
  format.classes = 100;
  format.train_files = {{"train.bin", 50000, "the CIFAR-100 train.bin"}};
  format.test_file = {"test.bin", 10000, "the CIFAR-100 test.bin"};
  return format;
}

const PixelNormalizer& cifar_normalizer() {
  static const PixelNormalizer normalizer({0.4914, 0.4822, 0.4465}, {0.2023, 0.1994, 0.2010});
  return normalizer;
}

std::unique_ptr<Dataset> load_cifar(const CifarFormat& format, const std::filesystem::path& folder,
                                    const SubsetOptions& options) {
  // Missing files are reported before any large read.
  for (const auto& file : format.train_files) require_data_file(folder / file.name, format.source);
  if (options.load_test) require_data_file(folder / format.test_file.name, format.source);

  DatasetInfo info;
  info.name = format.dataset_name;
  info.channels = kChannels;
  info.height = kSide;
  info.width = kSide;
  info.classes = format.classes;
  info.dtype = DType::f32;

  DataSplit train;
  {
    std::vector<LoadedFile> files;
    for (const auto& file : format.train_files) files.push_back(load_file(format, folder, file));
    const auto labels = read_labels(format, files);
    const auto selected = select_per_label(labels, format.classes, options, folder.string());
    train = decode_split(format, files, labels, selected);
  }
  DataSplit test;
  if (options.load_test) {
    const std::vector<LoadedFile> files{load_file(format, folder, format.test_file)};
    const auto labels = read_labels(format, files);
    std::vector<std::int64_t> every(labels.size());
    for (std::size_t i = 0; i < every.size(); ++i) every[i] = static_cast<std::int64_t>(i);
    test = decode_split(format, files, labels, every);
  }
  return std::make_unique<InMemoryDataset>(std::move(info), std::move(train), std::move(test));
}

}  // namespace thermo::cifar
