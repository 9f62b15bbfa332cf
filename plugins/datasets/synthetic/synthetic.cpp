#include "synthetic.hpp"

#include <thermo/error.hpp>
#include <thermo/rng.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

namespace thermo::synthetic {
namespace {

DataSplit generate(std::int64_t size, std::int64_t classes, std::int64_t sample_count, Rng& rng) {
  DataSplit split;
  split.size = size;
  split.labels.resize(static_cast<std::size_t>(size));
  split.samples_f32.resize(static_cast<std::size_t>(size * sample_count));
  float* dst = split.samples_f32.data();
  for (std::int64_t sample = 0; sample < size; ++sample) {
    split.labels[static_cast<std::size_t>(sample)] =
        static_cast<std::int32_t>(rng.uniform_index(static_cast<std::uint64_t>(classes)));
    for (std::int64_t value = 0; value < sample_count; ++value) *dst++ = static_cast<float>(rng.normal());
  }
  return split;
}

DataSplit keep(const DataSplit& src, const std::vector<std::int64_t>& selected, std::int64_t sample_count) {
  DataSplit dst;
  dst.size = static_cast<std::int64_t>(selected.size());
  dst.labels.reserve(selected.size());
  dst.samples_f32.reserve(selected.size() * static_cast<std::size_t>(sample_count));
  for (const auto index : selected) {
    dst.labels.push_back(src.labels[static_cast<std::size_t>(index)]);
    const auto begin = src.samples_f32.begin() + index * sample_count;
    dst.samples_f32.insert(dst.samples_f32.end(), begin, begin + sample_count);
  }
  return dst;
}

void check_size(const char* size_name, std::int64_t size, std::int64_t sample_count) {
  if (size <= kMaxValues / sample_count) return;
  throw UserError(fmt::format(
      "synthetic: {} x channels x height x width = {} x {} values is more than the {} values (8 GiB of float32) one "
      "split may hold; make {} or the image smaller",
      size_name, size, sample_count, kMaxValues, size_name));
}

}  // namespace

std::unique_ptr<Dataset> make_synthetic(const SyntheticShape& shape, const SubsetOptions& options) {
  DatasetInfo info;
  info.name = "synthetic";
  info.channels = shape.channels;
  info.height = shape.height;
  info.width = shape.width;
  info.classes = shape.classes;
  info.dtype = DType::f32;
  const std::int64_t sample_count = info.sample_count();
  check_size("train_size", shape.train_size, sample_count);
  check_size("test_size", shape.test_size, sample_count);

  Rng train_rng(options.seed, "synthetic/train");
  auto train = generate(shape.train_size, shape.classes, sample_count, train_rng);
  if (options.samples_per_label) {
    const auto selected = select_per_label(train.labels, shape.classes, options, "the synthetic data set");
    train = keep(train, selected, sample_count);
  }
  DataSplit test;
  if (options.load_test && shape.test_size > 0) {
    Rng test_rng(options.seed, "synthetic/test");
    test = generate(shape.test_size, shape.classes, sample_count, test_rng);
  }
  return std::make_unique<InMemoryDataset>(std::move(info), std::move(train), std::move(test));
}

}  // namespace thermo::synthetic
