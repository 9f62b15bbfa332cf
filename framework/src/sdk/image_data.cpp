#include <thermo/image_data.hpp>
#include <thermo/rng.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace thermo {

// Defined here, not inline, so the class has one vtable and one type_info: the SDK's.
InMemoryDataset::InMemoryDataset(DatasetInfo info, DataSplit train, DataSplit test)
    : info_(std::move(info)), train_(std::move(train)), test_(std::move(test)) {}

const DatasetInfo& InMemoryDataset::info() const {
  return info_;
}

const DataSplit& InMemoryDataset::split(Split which) const {
  return which == Split::train ? train_ : test_;
}

UserError data_file_error(const std::filesystem::path& file, const std::string& problem, const DataSource& source) {
  return UserError(fmt::format("{}: {}. {}", file.string(), problem, source.how_to_repair));
}

void require_data_file(const std::filesystem::path& file, const DataSource& source) {
  std::error_code error;
  if (std::filesystem::is_regular_file(file, error)) return;
  throw UserError(fmt::format("{}: no such file (the {} data are expected here). {}", file.string(), source.name,
                              source.how_to_get));
}

std::vector<std::uint8_t> read_data_file(const std::filesystem::path& file, const DataSource& source) {
  require_data_file(file, source);
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw data_file_error(file, "cannot open the file for reading (check its permissions)", source);
  const auto size = static_cast<std::size_t>(in.tellg());
  std::vector<std::uint8_t> bytes(size);
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    throw data_file_error(file, "reading the file failed", source);
  }
  return bytes;
}

void check_record_count(const std::filesystem::path& file, std::size_t byte_count, std::size_t record_bytes,
                        std::int64_t expected_records, const std::string& format, const DataSource& source) {
  if (byte_count % record_bytes != 0) {
    throw data_file_error(file,
                          fmt::format("its size, {} bytes, is not a whole number of {}-byte records (the file is "
                                      "truncated or not {})",
                                      byte_count, record_bytes, format),
                          source);
  }
  const auto records = static_cast<std::int64_t>(byte_count / record_bytes);
  if (records != expected_records) {
    throw data_file_error(file,
                          fmt::format("it holds {} records of {} bytes, but {} holds exactly {}", records, record_bytes,
                                      format, expected_records),
                          source);
  }
}

void check_label(const std::filesystem::path& file, std::int64_t record, int label, std::int64_t classes,
                 const std::string& label_name, const DataSource& source) {
  if (label >= 0 && label < classes) return;
  throw data_file_error(file,
                        fmt::format("record {} (counted from 0) has {} {}, but {} labels lie in 0..{} (the file is "
                                    "corrupt or not in the {} format)",
                                    record, label_name, label, source.name, classes - 1, source.name),
                        source);
}

void add_subset_params(ParamSchema& schema, const std::string& seed_description) {
  schema
      .add("samples_per_label", ParamType::integer,
           "training samples kept per class, drawn without replacement with `seed` (null: all)")
      .def(std::monostate{})
      .allow_null()
      .min(1);
  schema.add("seed", ParamType::integer, seed_description).def(std::int64_t{1}).min(0);
  schema.add("test", ParamType::boolean, "load the test split (false: no test metrics)").def(true);
}

SubsetOptions read_subset_params(const Params& params) {
  SubsetOptions options;
  if (!params.is_null("samples_per_label")) options.samples_per_label = params.get_int("samples_per_label");
  options.seed = static_cast<std::uint64_t>(params.get_int("seed"));
  options.load_test = params.get_bool("test");
  return options;
}

std::vector<std::int64_t> select_per_label(std::span<const std::int32_t> labels, std::int64_t classes,
                                           const SubsetOptions& options, const std::string& data_location) {
  std::vector<std::int64_t> selected;
  if (!options.samples_per_label) {
    selected.resize(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) selected[i] = static_cast<std::int64_t>(i);
    return selected;
  }
  const std::int64_t per_label = *options.samples_per_label;
  if (per_label < 1) throw std::logic_error("select_per_label: samples_per_label must be >= 1");

  std::vector<std::vector<std::int64_t>> by_class(static_cast<std::size_t>(classes));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes) throw std::logic_error("select_per_label: label out of range");
    by_class[static_cast<std::size_t>(labels[i])].push_back(static_cast<std::int64_t>(i));
  }
  std::size_t smallest = labels.size();
  for (const auto& members : by_class) smallest = std::min(smallest, members.size());
  for (std::size_t label = 0; label < by_class.size(); ++label) {
    if (static_cast<std::int64_t>(by_class[label].size()) >= per_label) continue;
    throw UserError(fmt::format(
        "samples_per_label is {}, but label {} has only {} training samples in {}. Use samples_per_label <= {} "
        "(the smallest class), or null for every sample.",
        per_label, label, by_class[label].size(), data_location, smallest));
  }

  Rng rng(options.seed, "subset");
  selected.reserve(static_cast<std::size_t>(per_label * classes));
  for (auto& members : by_class) {
    const auto count = members.size();
    for (std::size_t i = 0; i < static_cast<std::size_t>(per_label); ++i) {
      const auto pick = i + static_cast<std::size_t>(rng.uniform_index(count - i));
      std::swap(members[i], members[pick]);
    }
    selected.insert(selected.end(), members.begin(), members.begin() + per_label);
  }
  // The reference then shuffles the whole selection (numpy.random.shuffle): the order decides which
  // samples share a chunk of the training-mode evaluation, hence the batch-norm running statistics.
  for (std::size_t i = selected.size(); i > 1; --i) {
    std::swap(selected[i - 1], selected[static_cast<std::size_t>(rng.uniform_index(i))]);
  }
  return selected;
}

PixelNormalizer::PixelNormalizer(const std::vector<double>& mean, const std::vector<double>& std_dev) {
  if (mean.size() != std_dev.size() || mean.empty()) {
    throw std::logic_error("PixelNormalizer: mean and std need one value per channel");
  }
  tables_.reserve(mean.size());
  for (std::size_t channel = 0; channel < mean.size(); ++channel) {
    const auto channel_mean = static_cast<float>(mean[channel]);
    const auto channel_std = static_cast<float>(std_dev[channel]);
    std::array<float, 256> table{};
    for (std::size_t pixel = 0; pixel < table.size(); ++pixel) {
      const float scaled = static_cast<float>(pixel) / 255.0F;
      table[pixel] = (scaled - channel_mean) / channel_std;
    }
    tables_.push_back(table);
  }
}

void PixelNormalizer::normalize(std::span<const std::uint8_t> src, std::span<float> dst) const {
  if (src.size() != dst.size() || src.size() % tables_.size() != 0) {
    throw std::logic_error("PixelNormalizer::normalize: src and dst must hold the same whole planes");
  }
  const std::size_t plane = src.size() / tables_.size();
  for (std::size_t channel = 0; channel < tables_.size(); ++channel) {
    const auto& table = tables_[channel];
    const std::uint8_t* src_plane = src.data() + channel * plane;
    float* dst_plane = dst.data() + channel * plane;
    for (std::size_t i = 0; i < plane; ++i) dst_plane[i] = table[src_plane[i]];
  }
}

}  // namespace thermo
