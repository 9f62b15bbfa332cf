#include <thermo/dataset.hpp>
#include <thermo/error.hpp>

#include <stdexcept>

namespace thermo {

ResidentData::ResidentData(Backend& backend, std::shared_ptr<const Dataset> dataset)
    : backend_(backend), dataset_(std::move(dataset)) {
  const auto& info = dataset_->info();
  for (Split which : {Split::train, Split::test}) {
    const auto& split = dataset_->split(which);
    const auto index = static_cast<int>(which);
    const auto count = static_cast<std::size_t>(split.size * info.sample_count());
    // f64 data sets (the toy problem's vectors) are read on the host by the models that use them.
    if (split.size == 0 || info.dtype != DType::f32) continue;
    samples_[index] = backend_.allocate(count, DType::f32);
    backend_.upload(split.samples_f32.data(), samples_[index]->view());
    if (!split.labels.empty()) {
      labels_[index] = backend_.allocate(split.labels.size(), DType::i32);
      backend_.upload(split.labels.data(), labels_[index]->view());
    }
  }
}

void ResidentData::gather(Split which, std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) {
  const auto index = static_cast<int>(which);
  if (info().dtype != DType::f32) throw std::logic_error("ResidentData::gather: only f32 data sets gather");
  if (!samples_[index] || !labels_[index]) throw std::logic_error("ResidentData::gather: empty split");
  backend_.gather(samples_[index]->view(), info().sample_count(), labels_[index]->view(), indices, dst, dst_labels);
}

}  // namespace thermo
