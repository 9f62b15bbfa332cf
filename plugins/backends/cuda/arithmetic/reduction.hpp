#pragma once
// The deterministic float64 reductions of the cuda backend (dot, squared norm, the sums of batch
// norm and the losses): every thread sums a fixed, strided share of the elements in float64,
// then each block folds its threads' sums pairwise in a fixed tree, and one block folds the
// blocks' sums the same way. The grid depends only on the element count, so a result is the
// same bits on every run and every device. reduce_like_device() runs the same order on the host.

#include "host_device.hpp"

#include <cstddef>
#include <cstdint>

namespace thermo::cuda::arithmetic {

inline constexpr int kReductionThreads = 256;  // threads per block (a power of two)
inline constexpr int kMaxReductionBlocks = 1024;
inline constexpr std::int64_t kElementsPerThread = 8;  // before another block is worth its launch

// Blocks of a reduction over `count` elements: enough for kElementsPerThread per thread, at most
// kMaxReductionBlocks, at least 1.
THERMO_HOST_DEVICE int reduction_blocks(std::int64_t count) {
  const std::int64_t per_block = kReductionThreads * kElementsPerThread;
  const std::int64_t blocks = (count + per_block - 1) / per_block;
  return blocks < 1 ? 1 : (blocks > kMaxReductionBlocks ? kMaxReductionBlocks : static_cast<int>(blocks));
}

// Thread `thread` of block `block` sums the elements i = block·kReductionThreads + thread + k·stride,
// stride = blocks·kReductionThreads, in increasing i. `term(i)` gives the element's float64 value.
template <typename Term>
THERMO_HOST_DEVICE double thread_sum(std::int64_t count, int blocks, int block, int thread, const Term& term) {
  const std::int64_t stride = static_cast<std::int64_t>(blocks) * kReductionThreads;
  double sum = 0.0;
  for (std::int64_t i = static_cast<std::int64_t>(block) * kReductionThreads + thread; i < count; i += stride) {
    sum += term(i);
  }
  return sum;
}

// One level of a block's fold: values[t] += values[t + half] for t < half, half = threads/2, /4, ... 1.
THERMO_HOST_DEVICE void fold_level(double* values, int thread, int half) {
  if (thread < half) values[thread] += values[thread + half];
}

// The product term of a dot product of float32 vectors, exact in float64.
THERMO_HOST_DEVICE double product(float x, float y) {
  return static_cast<double>(x) * static_cast<double>(y);
}

// The whole reduction in the device's order, on the host: thread sums, each block's fold, then
// the fold of the block sums by one block (whose threads sum the block sums strided, as the
// second kernel does).
template <typename Term>
double reduce_like_device(std::int64_t count, const Term& term) {
  const int blocks = reduction_blocks(count);
  double block_sums[kMaxReductionBlocks] = {};
  double values[kReductionThreads];
  for (int block = 0; block < blocks; ++block) {
    for (int thread = 0; thread < kReductionThreads; ++thread) {
      values[thread] = thread_sum(count, blocks, block, thread, term);
    }
    for (int half = kReductionThreads / 2; half > 0; half /= 2) {
      for (int thread = 0; thread < half; ++thread) fold_level(values, thread, half);
    }
    block_sums[block] = values[0];
  }
  const auto from_blocks = [&](std::int64_t i) { return block_sums[i]; };
  for (int thread = 0; thread < kReductionThreads; ++thread)
    values[thread] = thread_sum(blocks, 1, 0, thread, from_blocks);
  for (int half = kReductionThreads / 2; half > 0; half /= 2) {
    for (int thread = 0; thread < half; ++thread) fold_level(values, thread, half);
  }
  return values[0];
}

}  // namespace thermo::cuda::arithmetic
