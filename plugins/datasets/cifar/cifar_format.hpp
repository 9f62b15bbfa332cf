#pragma once
// The CIFAR-10 and CIFAR-100 binary formats (docs/method.md §4) and the loader both plugins share: fixed-size
// records of label byte(s) + 3072 pixel bytes (1024 R, 1024 G, 1024 B, each 32×32 row-major).

#include <thermo/dataset.hpp>
#include <thermo/image_data.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace thermo::cifar {

inline constexpr std::int64_t kChannels = 3;
inline constexpr std::int64_t kSide = 32;
inline constexpr std::size_t kPixelBytes = kChannels * kSide * kSide;  // 3072

struct CifarFile {
  std::string name;          // "data_batch_1.bin"
  std::int64_t records = 0;  // exact record count the file must hold
  std::string description;   // "a CIFAR-10 batch": completes "... not <description>" in messages
};

struct CifarFormat {
  std::string dataset_name;      // "cifar10": DatasetInfo::name and the plugin's name
  std::string summary;           // the plugin's one-line summary
  std::string folder_name;       // "cifar-10-batches-bin": what the archive unpacks to
  DataSource source;             // messages: how to get or repair the files
  std::size_t label_bytes = 1;   // 1 (CIFAR-10), or 2 (coarse + fine, CIFAR-100)
  std::size_t label_offset = 0;  // the byte used as label: 0, or 1 (CIFAR-100's fine label)
  std::string label_name;        // "label" or "fine label"
  std::int64_t classes = 10;
  std::vector<CifarFile> train_files;
  CifarFile test_file;

  [[nodiscard]] std::size_t record_bytes() const { return label_bytes + kPixelBytes; }
};

// The official layouts: 5 × 10,000 + 10,000 records, resp. 50,000 + 10,000.
[[nodiscard]] CifarFormat cifar10_format();
[[nodiscard]] CifarFormat cifar100_format();

// The per-channel statistics of the reference (both data sets): x/255, then (x − mean)/std.
[[nodiscard]] const PixelNormalizer& cifar_normalizer();

// Loads `folder` in `format`: the training split (subset per `options`), and the test split when
// options.load_test. Every file is checked before use; problems raise UserError naming the file.
[[nodiscard]] std::unique_ptr<Dataset> load_cifar(const CifarFormat& format, const std::filesystem::path& folder,
                                                  const SubsetOptions& options);

}  // namespace thermo::cifar
