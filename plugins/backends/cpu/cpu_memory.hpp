#pragma once
// Host memory of the cpu backend: 64-byte aligned, zero-initialised buffers (DeviceBuffer) and
// tensor storage holding a dnnl::memory in whatever layout the last op that wrote it chose.

#include "cpu_context.hpp"

#include <thermo/tensor.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

namespace thermo::cpu {

inline constexpr std::size_t kAlignment = 64;

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes);

  [[nodiscard]] void* data() const { return data_.get(); }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(void* pointer) const { std::free(pointer); }
  };
  std::unique_ptr<void, Free> data_;
  std::size_t bytes_ = 0;
};

class CpuBuffer final : public DeviceBuffer {
 public:
  CpuBuffer(std::size_t count, DType dtype);
  [[nodiscard]] VectorView view() override { return {buffer_.data(), count_, dtype_}; }
  [[nodiscard]] ConstVectorView view() const override { return {buffer_.data(), count_, dtype_}; }
  [[nodiscard]] void* host_data() override { return buffer_.data(); }

 private:
  AlignedBuffer buffer_;
  std::size_t count_;
  DType dtype_;
};

class CpuTensorStorage final : public TensorStorage {
 public:
  CpuTensorStorage(const dnnl::memory::desc& desc, const dnnl::engine& engine);

  [[nodiscard]] const dnnl::memory& memory() const { return memory_; }
  [[nodiscard]] const dnnl::memory::desc& desc() const { return desc_; }
  [[nodiscard]] float* data() const { return static_cast<float*>(buffer_.data()); }

  // Lays the storage out as `desc`, keeping the buffer when it is large enough. The contents are
  // undefined afterwards unless `desc` is the current layout.
  void set_layout(const dnnl::memory::desc& desc, const dnnl::engine& engine);

  // The layout the last op that had to convert this storage to read it converted it to, so that
  // the op that writes it next can write that layout directly (gather writes channels-last for a
  // first convolution that reads channels-last, which then converts nothing).
  void note_read_as(const dnnl::memory::desc& desc) { read_as_ = desc; }
  [[nodiscard]] bool read_as_channels_last() const;

 private:
  AlignedBuffer buffer_;
  dnnl::memory::desc desc_;
  dnnl::memory memory_;
  dnnl::memory::desc read_as_;  // zero (no layout) until a reader converts
};

[[nodiscard]] dnnl::memory::dims dims_of(const Shape4& shape);
// Plain NCHW float32.
[[nodiscard]] dnnl::memory::desc plain_desc(const Shape4& shape);
// Channels-last (NHWC) float32.
[[nodiscard]] dnnl::memory::desc channels_last_desc(const Shape4& shape);
[[nodiscard]] bool is_plain(const dnnl::memory::desc& desc, const Shape4& shape);

// The cpu storage of a tensor; throws when the tensor is empty or was made by another backend.
[[nodiscard]] CpuTensorStorage& storage_of(const Tensor& tensor);

// Makes dst a tensor of `shape` laid out as `desc`, reusing its storage (its buffer when large
// enough: a tensor written at several batch sizes holds the memory of the largest); new storage
// when dst is empty. Other handles to that storage see the new layout. Returns the storage to
// write into.
CpuTensorStorage& prepare_dst(Tensor& dst, const Shape4& shape, const dnnl::memory::desc& desc,
                              const CpuContext& context);

// Converts memory between layouts with reorder primitives cached per (src, dst) layout pair.
// Each op input that may need converting owns one, so that their scratch memories stay apart.
class LayoutConverter {
 public:
  // `src` itself when it already has `desc` or the same bytes under another name (nhwc and
  // nChw16c of 16 channels: src's buffer seen as `desc`), else a copy in `desc` kept in scratch
  // memory (valid until the next call). A handle, returned by value: `src` may be a temporary.
  dnnl::memory to(const dnnl::memory& src, const dnnl::memory::desc& desc, const CpuContext& context);
  // The same for a tensor's storage, recording on it the layout it had to be converted to
  // (CpuTensorStorage::note_read_as).
  dnnl::memory to(CpuTensorStorage& src, const dnnl::memory::desc& desc, const CpuContext& context);
  // Writes src into dst, converting the layout.
  void reorder(const dnnl::memory& src, const dnnl::memory& dst, const CpuContext& context);

 private:
  struct Cached {
    dnnl::memory::desc src;
    dnnl::memory::desc dst;
    dnnl::reorder primitive;
  };
  std::vector<Cached> cache_;
  dnnl::memory scratch_;
};

}  // namespace thermo::cpu
