#pragma once
// Helpers shared by the data set plugins, so that every plugin reads files, reports bad files,
// draws per-class subsets and normalises pixels the same way: an in-memory Dataset, whole-file
// reading with errors that name the file and say what to do, per-label subsets, and per-channel
// normalisation computed exactly as the PyTorch reference does (float32).

#include <thermo/dataset.hpp>
#include <thermo/error.hpp>
#include <thermo/params.hpp>

#include <boost/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace thermo {

// A data set fully loaded into host memory: what every data set plugin returns.
class BOOST_SYMBOL_VISIBLE InMemoryDataset final : public Dataset {
 public:
  InMemoryDataset(DatasetInfo info, DataSplit train, DataSplit test);

  [[nodiscard]] const DatasetInfo& info() const override;
  [[nodiscard]] const DataSplit& split(Split which) const override;

 private:
  DatasetInfo info_;
  DataSplit train_;
  DataSplit test_;
};

// ---- Files --------------------------------------------------------------------------------------

// How a user gets or repairs a data set; the texts end the error messages.
struct DataSource {
  std::string name;           // "CIFAR-10": used in messages
  std::string how_to_get;     // for missing files: "Download it with ..., or set `path` to ..."
  std::string how_to_repair;  // for bad files: "Download it again with ..."
};

// The UserError for a bad data file: "<file>: <problem>. <source.how_to_repair>".
[[nodiscard]] UserError data_file_error(const std::filesystem::path& file, const std::string& problem,
                                        const DataSource& source);

// Throws the "not found" UserError unless `file` is an existing regular file:
// "<file>: no such file (the <name> data are expected here). <how_to_get>".
void require_data_file(const std::filesystem::path& file, const DataSource& source);

// Reads a whole (uncompressed) file, after require_data_file.
[[nodiscard]] std::vector<std::uint8_t> read_data_file(const std::filesystem::path& file, const DataSource& source);

// Checks that `byte_count` bytes of `file` are exactly `expected_records` records of
// `record_bytes` bytes; the message tells a truncated file (not a whole number of records) from
// one with the wrong number of records. `format` names the layout: "a CIFAR-10 batch".
void check_record_count(const std::filesystem::path& file, std::size_t byte_count, std::size_t record_bytes,
                        std::int64_t expected_records, const std::string& format, const DataSource& source);

// Checks a label read from `file` (record `record` counted from 0): it must lie in [0, classes).
// `label_name` is "label", or "fine label" for CIFAR-100.
void check_label(const std::filesystem::path& file, std::int64_t record, int label, std::int64_t classes,
                 const std::string& label_name, const DataSource& source);

// ---- Subsets ------------------------------------------------------------------------------------

// The parameters every image data set shares, declared once: samples_per_label (integer >= 1 or
// null = all), seed (integer >= 0, default 1: the subset seed), test (boolean, default true).
// A data set whose seed also does other things (synthetic data) says so in seed_description.
void add_subset_params(ParamSchema& schema,
                       const std::string& seed_description = "seed of the training subset (samples_per_label)");

struct SubsetOptions {
  std::optional<std::int64_t> samples_per_label;  // empty: every sample
  std::uint64_t seed = 1;
  bool load_test = true;
};
[[nodiscard]] SubsetOptions read_subset_params(const Params& params);

// The indices of the training samples to keep, in the order the subset holds them. Empty
// samples_per_label: all of them, in file order. Otherwise, as the reference does: for each class in
// turn (0, 1, ...), `samples_per_label` of that class's samples are drawn without replacement (a
// partial Fisher-Yates shuffle of the class's indices), then the whole selection is shuffled
// (Fisher-Yates), all with one Rng(seed, "subset"). The seed thus decides both which samples are
// kept and their order, which decides the chunks of the training-mode evaluation (and so the
// batch-norm running statistics the test pass uses). A class with too few samples raises a
// UserError that names `data_location`, the label and its count.
[[nodiscard]] std::vector<std::int64_t> select_per_label(std::span<const std::int32_t> labels, std::int64_t classes,
                                                         const SubsetOptions& options,
                                                         const std::string& data_location);

// ---- Pixels -------------------------------------------------------------------------------------

// Per-channel normalisation of 8-bit images as torchvision's ToTensor + Normalize compute it, in
// float32: dst = (float(pixel) / 255 - float(mean[c])) / float(std[c]). Results are bit-identical
// to the reference; a 256-entry table per channel makes it cheap.
class BOOST_SYMBOL_VISIBLE PixelNormalizer {
 public:
  PixelNormalizer(const std::vector<double>& mean, const std::vector<double>& std_dev);

  [[nodiscard]] std::size_t channels() const { return tables_.size(); }
  [[nodiscard]] float value(std::size_t channel, std::uint8_t pixel) const { return tables_[channel][pixel]; }

  // One channel-planar image: src holds channels() planes of equal size, dst the same count.
  void normalize(std::span<const std::uint8_t> src, std::span<float> dst) const;

 private:
  std::vector<std::array<float, 256>> tables_;
};

}  // namespace thermo
