#pragma once
// Memory a backend owns: flat vectors (parameters, gradients, queues, data sets) seen through
// VectorView, and 4-D activation tensors whose memory layout is the backend's business.

#include <boost/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace thermo {

enum class DType : std::uint8_t { f32, f64, i32 };

[[nodiscard]] constexpr std::size_t dtype_size(DType type) {
  return type == DType::f64 ? 8 : 4;
}
[[nodiscard]] const char* to_string(DType type);

// A contiguous run of elements: f32 and i32 in backend memory (a host pointer on `cpu`, a device
// pointer on `cuda`), f64 in host memory on every backend (see backend.hpp). Views do not own;
// slices share the owner's memory.
struct VectorView {
  void* data = nullptr;
  std::size_t size = 0;  // elements
  DType dtype = DType::f32;

  [[nodiscard]] VectorView slice(std::size_t offset, std::size_t count) const {
    return {static_cast<char*>(data) + offset * dtype_size(dtype), count, dtype};
  }
  [[nodiscard]] std::size_t bytes() const { return size * dtype_size(dtype); }
};

struct ConstVectorView {
  const void* data = nullptr;
  std::size_t size = 0;
  DType dtype = DType::f32;

  ConstVectorView() = default;
  ConstVectorView(const void* data_, std::size_t size_, DType dtype_) : data(data_), size(size_), dtype(dtype_) {}
  ConstVectorView(VectorView view)
      : data(view.data), size(view.size), dtype(view.dtype) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] ConstVectorView slice(std::size_t offset, std::size_t count) const {
    return {static_cast<const char*>(data) + offset * dtype_size(dtype), count, dtype};
  }
  [[nodiscard]] std::size_t bytes() const { return size * dtype_size(dtype); }
};

// An owning allocation in backend memory. Freed by the backend that made it.
class BOOST_SYMBOL_VISIBLE DeviceBuffer {
 public:
  virtual ~DeviceBuffer() = default;
  [[nodiscard]] virtual VectorView view() = 0;
  [[nodiscard]] virtual ConstVectorView view() const = 0;
  // Host address of the same memory, or nullptr when it is not host-accessible (f32 on `cuda`).
  [[nodiscard]] virtual void* host_data() { return nullptr; }
  [[nodiscard]] std::size_t size() const { return view().size; }
  [[nodiscard]] DType dtype() const { return view().dtype; }
};

// Logical NCHW shape of an activation tensor.
struct Shape4 {
  std::int64_t n = 0, c = 0, h = 0, w = 0;

  [[nodiscard]] std::int64_t count() const { return n * c * h * w; }
  [[nodiscard]] std::int64_t per_sample() const { return c * h * w; }
  [[nodiscard]] Shape4 with_batch(std::int64_t batch) const { return {batch, c, h, w}; }
  bool operator==(const Shape4&) const = default;
};
[[nodiscard]] std::string to_string(const Shape4& shape);

// Backend-specific storage of a tensor (layout, memory). Only the backend that made it reads it.
class BOOST_SYMBOL_VISIBLE TensorStorage {
 public:
  virtual ~TensorStorage() = default;
};

// A float32 activation tensor: a logical NCHW shape and storage in whatever layout the backend
// chose (an op may redefine the layout of a tensor it writes; an op reading a tensor in another
// layout converts it). Copying a Tensor copies the handle, not the data.
class Tensor {
 public:
  Tensor() = default;
  Tensor(Shape4 shape, std::shared_ptr<TensorStorage> storage) : shape_(shape), storage_(std::move(storage)) {}

  [[nodiscard]] const Shape4& shape() const { return shape_; }
  [[nodiscard]] bool empty() const { return storage_ == nullptr; }
  [[nodiscard]] TensorStorage* storage() const { return storage_.get(); }
  // The same storage seen with another shape: for the backend that writes it (an op writing a
  // tensor of another batch size reuses its memory when it is large enough).
  [[nodiscard]] Tensor with_shape(const Shape4& shape) const { return {shape, storage_}; }

 private:
  Shape4 shape_;
  std::shared_ptr<TensorStorage> storage_;
};

}  // namespace thermo
