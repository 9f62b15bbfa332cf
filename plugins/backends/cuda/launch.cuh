#pragma once
// What the .cu files share: grid-stride launches of element-wise functors, and the check of a
// launch (a bad configuration throws, naming the kernel).

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace thermo::cuda::kernels {

inline constexpr int kElementThreads = 256;
inline constexpr std::int64_t kMaxElementBlocks = 8192;

inline void check_launch(const char* kernel) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("cuda backend: launching ") + kernel +
                             " failed: " + cudaGetErrorString(status));
  }
}

inline int element_blocks(std::int64_t count) {
  const std::int64_t blocks = (count + kElementThreads - 1) / kElementThreads;
  return static_cast<int>(blocks < 1 ? 1 : (blocks > kMaxElementBlocks ? kMaxElementBlocks : blocks));
}

// op(i) for every i in [0, count).
template <typename Op>
__global__ void for_each_kernel(std::int64_t count, Op op) {
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) op(i);
}

template <typename Op>
void for_each(std::int64_t count, const Op& op, cudaStream_t stream, const char* name) {
  if (count <= 0) return;
  for_each_kernel<<<element_blocks(count), kElementThreads, 0, stream>>>(count, op);
  check_launch(name);
}

}  // namespace thermo::cuda::kernels
