#pragma once
// The activation layouts of the cpu backend seen as channel blocks, for ops that work per
// channel (batch norm): plain NCHW (blocks of 1 channel), channels-last NHWC (one block of every
// channel) and oneDNN's blocked nChw16c / nChw8c. Element (n, c, s) of a sample's spatial
// position s = y·W + x lies at n·sample_stride + (c / block)·block_stride + s·block + c % block;
// channels from `channels` to padded_channels() are zero padding (blocked layouts).

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <optional>

namespace thermo::cpu {

struct ChannelBlocks {
  std::int64_t batch = 0;
  std::int64_t channels = 0;
  std::int64_t spatial = 0;  // H·W
  std::int64_t block = 1;    // channels per block, innermost
  std::int64_t blocks = 0;   // ceil(channels / block)
  std::int64_t sample_stride = 0;
  std::int64_t block_stride = 0;

  [[nodiscard]] std::int64_t padded_channels() const { return blocks * block; }
  // Contiguous runs of spatial·block floats: one per (sample, block).
  [[nodiscard]] std::int64_t runs() const { return batch * blocks; }
  [[nodiscard]] std::int64_t run_offset(std::int64_t run) const {
    return (run / blocks) * sample_stride + (run % blocks) * block_stride;
  }
  [[nodiscard]] std::int64_t first_channel(std::int64_t run) const { return (run % blocks) * block; }
};

// The channel blocks of a float32 4-D layout, or nothing when it is none of those above.
[[nodiscard]] std::optional<ChannelBlocks> channel_blocks(const dnnl::memory::desc& desc);

// Whether two descs of layouts above place every element at the same offset: nhwc and nChw16c
// with 16 channels, for instance, are the same bytes, and a reorder between them is a copy.
[[nodiscard]] bool same_memory_layout(const dnnl::memory::desc& a, const dnnl::memory::desc& b);

// A layout of the same kind as `desc` (one of those above) for other dimensions (N, C, H, W):
// what an op that changes the spatial size writes, so that its consumers see the same format.
[[nodiscard]] dnnl::memory::desc same_kind_of_layout(const dnnl::memory::desc& desc, const dnnl::memory::dims& dims);

}  // namespace thermo::cpu
