#include "channel_blocks.hpp"

#include <stdexcept>

namespace thermo::cpu {

std::optional<ChannelBlocks> channel_blocks(const dnnl::memory::desc& desc) {
  const auto& data = desc.data;
  if (data.ndims != 4 || data.data_type != dnnl_f32 || data.format_kind != dnnl_blocked || data.offset0 != 0 ||
      data.extra.flags != 0) {
    return std::nullopt;
  }
  const auto& blocking = data.format_desc.blocking;
  const auto* dims = data.dims;
  const auto* strides = blocking.strides;
  ChannelBlocks layout;
  layout.batch = dims[0];
  layout.channels = dims[1];
  layout.spatial = dims[2] * dims[3];
  if (data.padded_dims[0] != dims[0] || data.padded_dims[2] != dims[2] || data.padded_dims[3] != dims[3]) {
    return std::nullopt;
  }
  if (blocking.inner_nblks == 0) {
    if (data.padded_dims[1] != dims[1]) return std::nullopt;
    if (strides[1] == 1 && dims[1] > 1) {  // channels-last: one block of every channel
      layout.block = dims[1];
      layout.blocks = 1;
      layout.block_stride = 0;
    } else {  // channels-first: blocks of one channel
      layout.block = 1;
      layout.blocks = dims[1];
      layout.block_stride = strides[1];
    }
  } else if (blocking.inner_nblks == 1 && blocking.inner_idxs[0] == 1) {
    layout.block = blocking.inner_blks[0];
    if (data.padded_dims[1] % layout.block != 0) return std::nullopt;
    layout.blocks = data.padded_dims[1] / layout.block;
    layout.block_stride = strides[1];
  } else {
    return std::nullopt;
  }
  layout.sample_stride = strides[0];
  // The spatial positions of a (sample, block) run must be contiguous, `block` floats apart.
  const bool spatial_contiguous =
      layout.spatial == 1 || (strides[3] == layout.block && strides[2] == dims[3] * layout.block);
  const std::int64_t run = layout.spatial * layout.block;
  const bool runs_apart = (layout.blocks == 1 || layout.block_stride >= run) &&
                          (layout.batch == 1 || layout.sample_stride >= layout.blocks * run);
  if (!spatial_contiguous || !runs_apart) return std::nullopt;
  return layout;
}

bool same_memory_layout(const dnnl::memory::desc& a, const dnnl::memory::desc& b) {
  if (a == b) return true;
  const auto first = channel_blocks(a);
  const auto second = channel_blocks(b);
  if (!first || !second || a.get_size() != b.get_size()) return false;
  const bool no_padding = first->padded_channels() == first->channels && second->padded_channels() == second->channels;
  return no_padding && first->batch == second->batch && first->channels == second->channels &&
         first->spatial == second->spatial && a.data.dims[2] == b.data.dims[2] && first->block == second->block &&
         first->blocks == second->blocks && first->sample_stride == second->sample_stride &&
         (first->blocks == 1 || first->block_stride == second->block_stride);
}

dnnl::memory::desc same_kind_of_layout(const dnnl::memory::desc& desc, const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  const auto layout = channel_blocks(desc);
  if (!layout) throw std::logic_error("same_kind_of_layout: not a layout of channel blocks");
  tag format = tag::nchw;
  if (desc.data.format_desc.blocking.inner_nblks == 1) {
    switch (layout->block) {
      case 16: format = tag::nChw16c; break;
      case 8: format = tag::nChw8c; break;
      case 4: format = tag::nChw4c; break;
      default: throw std::logic_error("same_kind_of_layout: unexpected channel block");
    }
  } else if (layout->block > 1) {
    format = tag::nhwc;
  }
  return {dims, dnnl::memory::data_type::f32, format};
}

}  // namespace thermo::cpu
