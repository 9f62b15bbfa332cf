#pragma once
// Device memory of the cuda backend: zero-filled vectors (DeviceBuffer) and tensor storage,
// always plain NCHW float32, that keeps the largest allocation it was asked for, so that a tensor
// written at several batch sizes holds the memory of the largest (the Backend contract).

#include "cuda_context.hpp"

#include <thermo/tensor.hpp>

namespace thermo::cuda {

class CudaBuffer final : public DeviceBuffer {
 public:
  CudaBuffer(const Context& context, std::size_t count, DType dtype);
  [[nodiscard]] VectorView view() override { return {memory_.data(), count_, dtype_}; }
  [[nodiscard]] ConstVectorView view() const override { return {memory_.data(), count_, dtype_}; }

 private:
  DeviceMemory memory_;
  std::size_t count_;
  DType dtype_;
};

class CudaTensorStorage final : public TensorStorage {
 public:
  [[nodiscard]] float* data() const { return memory_.as<float>(); }
  [[nodiscard]] std::size_t capacity() const { return memory_.bytes() / sizeof(float); }
  // Room for `count` floats; the contents are undefined afterwards when the memory grew.
  void reserve(const Context& context, std::size_t count) { context.grow(memory_, count * sizeof(float)); }

 private:
  DeviceMemory memory_;
};

// The storage of a tensor made by this backend; throws for an empty tensor or another backend's.
[[nodiscard]] CudaTensorStorage& storage_of(const Tensor& tensor);
[[nodiscard]] inline const float* data_of(const Tensor& tensor) {
  return storage_of(tensor).data();
}

// Makes dst a tensor of `shape`, reusing its storage (growing it when too small; new storage when
// dst is empty); other handles to that storage see the new shape's memory. Returns where to write.
float* prepare_dst(Tensor& dst, const Shape4& shape, const Context& context);

}  // namespace thermo::cuda
