#pragma once
// Data sets: a plugin loads and normalises a whole data set into host memory; the engine then
// makes it resident in backend memory once (ResidentData) and batches are gathers from it.

#include <thermo/backend.hpp>
#include <thermo/tensor.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace thermo {

enum class Split { train, test };
[[nodiscard]] const char* to_string(Split split);

struct DatasetInfo {
  std::string name;                       // "cifar10", "fashion_mnist", ...
  std::int64_t channels = 3, height = 32, width = 32;
  std::int64_t classes = 10;              // 0 for unlabeled data (the toy problem)
  DType dtype = DType::f32;               // samples are f32 (images) or f64 (toy vectors)

  [[nodiscard]] std::int64_t sample_count() const { return channels * height * width; }
  [[nodiscard]] Shape4 batch_shape(std::int64_t batch) const { return {batch, channels, height, width}; }
};

// One split in host memory: `size` samples of info.sample_count() elements each, normalised,
// in samples_f32 or samples_f64 according to info.dtype; labels in [0, classes).
struct DataSplit {
  std::int64_t size = 0;
  std::vector<float> samples_f32;
  std::vector<double> samples_f64;
  std::vector<std::int32_t> labels;
};

class BOOST_SYMBOL_VISIBLE Dataset {
 public:
  virtual ~Dataset() = default;
  [[nodiscard]] virtual const DatasetInfo& info() const = 0;
  // The test split may be empty (size 0): then the run logs no test metrics.
  [[nodiscard]] virtual const DataSplit& split(Split which) const = 0;
};

// A data set resident in backend memory (f32 samples and int32 labels), with a host view kept
// for models that compute on the host; an f64 data set (the toy problem's) stays on the host only.
class BOOST_SYMBOL_VISIBLE ResidentData {
 public:
  ResidentData(Backend& backend, std::shared_ptr<const Dataset> dataset);

  [[nodiscard]] const DatasetInfo& info() const { return dataset_->info(); }
  [[nodiscard]] std::int64_t size(Split which) const { return dataset_->split(which).size; }
  [[nodiscard]] const DataSplit& host(Split which) const { return dataset_->split(which); }
  [[nodiscard]] const Dataset& dataset() const { return *dataset_; }

  // dst (batch shape) and dst_labels (int32, indices.size()) receive the samples at `indices`.
  // Only for f32 data sets.
  void gather(Split which, std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels);

 private:
  Backend& backend_;
  std::shared_ptr<const Dataset> dataset_;
  std::unique_ptr<DeviceBuffer> samples_[2];
  std::unique_ptr<DeviceBuffer> labels_[2];
};

}  // namespace thermo
