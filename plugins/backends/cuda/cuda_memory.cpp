#include "cuda_memory.hpp"

namespace thermo::cuda {

CudaBuffer::CudaBuffer(const Context& context, std::size_t count, DType dtype)
    : memory_(count * dtype_size(dtype)), count_(count), dtype_(dtype) {
  if (memory_.bytes() > 0) {
    check(cudaMemsetAsync(memory_.data(), 0, memory_.bytes(), context.stream()), "cudaMemsetAsync");
  }
}

CudaTensorStorage& storage_of(const Tensor& tensor) {
  require(!tensor.empty(), "an op received an empty tensor");
  auto* storage = dynamic_cast<CudaTensorStorage*>(tensor.storage());
  require(storage != nullptr, "a tensor made by another backend was passed to the cuda backend");
  return *storage;
}

float* prepare_dst(Tensor& dst, const Shape4& shape, const Context& context) {
  auto* storage = dst.empty() ? nullptr : dynamic_cast<CudaTensorStorage*>(dst.storage());
  if (storage == nullptr) {
    auto fresh = std::make_shared<CudaTensorStorage>();
    storage = fresh.get();
    dst = Tensor(shape, std::move(fresh));
  } else if (dst.shape() != shape) {
    dst = dst.with_shape(shape);
  }
  storage->reserve(context, static_cast<std::size_t>(shape.count()));
  return storage->data();
}

}  // namespace thermo::cuda
