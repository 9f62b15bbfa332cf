#include "cpu_memory.hpp"

#include "channel_blocks.hpp"

#include <cstring>
#include <new>

namespace thermo::cpu {

AlignedBuffer::AlignedBuffer(std::size_t bytes) : bytes_(bytes) {
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) return;
  void* pointer = std::aligned_alloc(kAlignment, rounded);
  if (pointer == nullptr) throw std::bad_alloc();
  std::memset(pointer, 0, rounded);
  data_.reset(pointer);
}

CpuBuffer::CpuBuffer(std::size_t count, DType dtype)
    : buffer_(count * dtype_size(dtype)), count_(count), dtype_(dtype) {}

CpuTensorStorage::CpuTensorStorage(const dnnl::memory::desc& desc, const dnnl::engine& engine)
    : buffer_(desc.get_size()), desc_(desc), memory_(desc, engine, buffer_.data()) {}

void CpuTensorStorage::set_layout(const dnnl::memory::desc& desc, const dnnl::engine& engine) {
  if (desc == desc_) return;
  if (desc.get_size() > buffer_.bytes()) buffer_ = AlignedBuffer(desc.get_size());
  desc_ = desc;
  memory_ = dnnl::memory(desc, engine, buffer_.data());
}

bool CpuTensorStorage::read_as_channels_last() const {
  const auto dims = read_as_.dims();
  return dims.size() == 4 &&
         read_as_ == dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::nhwc);
}

dnnl::memory::dims dims_of(const Shape4& shape) {
  return {shape.n, shape.c, shape.h, shape.w};
}

dnnl::memory::desc plain_desc(const Shape4& shape) {
  return {dims_of(shape), dnnl::memory::data_type::f32, dnnl::memory::format_tag::nchw};
}

dnnl::memory::desc channels_last_desc(const Shape4& shape) {
  return {dims_of(shape), dnnl::memory::data_type::f32, dnnl::memory::format_tag::nhwc};
}

bool is_plain(const dnnl::memory::desc& desc, const Shape4& shape) {
  return desc == plain_desc(shape);
}

CpuTensorStorage& storage_of(const Tensor& tensor) {
  require(!tensor.empty(), "an op received an empty tensor");
  auto* storage = dynamic_cast<CpuTensorStorage*>(tensor.storage());
  require(storage != nullptr, "a tensor made by another backend was passed to the cpu backend");
  return *storage;
}

CpuTensorStorage& prepare_dst(Tensor& dst, const Shape4& shape, const dnnl::memory::desc& desc,
                              const CpuContext& context) {
  auto* storage = dst.empty() ? nullptr : dynamic_cast<CpuTensorStorage*>(dst.storage());
  if (storage == nullptr) {
    auto fresh = std::make_shared<CpuTensorStorage>(desc, context.engine());
    storage = fresh.get();
    dst = Tensor(shape, std::move(fresh));
    return *storage;
  }
  storage->set_layout(desc, context.engine());
  if (dst.shape() != shape) dst = dst.with_shape(shape);
  return *storage;
}

dnnl::memory LayoutConverter::to(const dnnl::memory& src, const dnnl::memory::desc& desc, const CpuContext& context) {
  if (src.get_desc() == desc) return src;
  if (same_memory_layout(src.get_desc(), desc)) return {desc, context.engine(), src.get_data_handle()};
  if (!scratch_ || scratch_.get_desc() != desc) scratch_ = dnnl::memory(desc, context.engine());
  reorder(src, scratch_, context);
  return scratch_;
}

dnnl::memory LayoutConverter::to(CpuTensorStorage& src, const dnnl::memory::desc& desc, const CpuContext& context) {
  if (src.desc() != desc && !same_memory_layout(src.desc(), desc)) src.note_read_as(desc);
  return to(src.memory(), desc, context);
}

void LayoutConverter::reorder(const dnnl::memory& src, const dnnl::memory& dst, const CpuContext& context) {
  const auto src_desc = src.get_desc();
  const auto dst_desc = dst.get_desc();
  Cached* found = nullptr;
  for (auto& cached : cache_) {
    if (cached.src == src_desc && cached.dst == dst_desc) found = &cached;
  }
  if (found == nullptr) {
    const dnnl::reorder::primitive_desc descriptor(context.engine(), src_desc, context.engine(), dst_desc);
    cache_.push_back({src_desc, dst_desc, dnnl::reorder(descriptor)});
    found = &cache_.back();
  }
  context.execute(found->primitive, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
}

}  // namespace thermo::cpu
