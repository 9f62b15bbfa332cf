// Vector ops with float64 reductions, tensor element-wise ops, gather, and the linear layer's
// bias: the cuda backend's kernels that are not batch norm, pooling, losses or distances.
#include "arithmetic/elementwise.hpp"
#include "arithmetic/reduction.hpp"
#include "kernels.hpp"
#include "launch.cuh"

namespace thermo::cuda::kernels {
namespace {

namespace math = arithmetic;
constexpr int kThreads = math::kReductionThreads;

template <typename Value>
struct Fill {
  Value* x;
  Value value;
  __device__ void operator()(std::int64_t i) const { x[i] = value; }
};

struct Axpy {
  double alpha;
  const float* x;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] = math::axpy(alpha, x[i], y[i]); }
};

struct Scale {
  double alpha;
  float* x;
  __device__ void operator()(std::int64_t i) const { x[i] = math::scaled(alpha, x[i]); }
};

// Scales by the sphere's factor, read from the device (no host round trip).
struct ScaleToNorm {
  double norm;
  const double* squared;
  float* x;
  __device__ void operator()(std::int64_t i) const {
    const double factor = math::sphere_factor(norm, *squared);
    if (factor != 1.0) x[i] = math::scaled(factor, x[i]);
  }
};

struct Add {
  const float* a;
  const float* b;
  float* dst;
  __device__ void operator()(std::int64_t i) const { dst[i] = a[i] + b[i]; }
};

struct Accumulate {
  const float* src;
  float* dst;
  __device__ void operator()(std::int64_t i) const { dst[i] += src[i]; }
};

struct ReluForward {
  const float* src;
  float* dst;
  __device__ void operator()(std::int64_t i) const { dst[i] = math::relu(src[i]); }
};

struct ReluBackward {
  const float* dst;
  const float* diff_dst;
  float* diff_src;
  __device__ void operator()(std::int64_t i) const { diff_src[i] = math::relu_backward(dst[i], diff_dst[i]); }
};

struct Gather {
  const float* samples;
  std::int64_t sample_count;
  const std::int32_t* labels;
  const std::int32_t* indices;
  float* dst;
  std::int32_t* dst_labels;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t row = i / sample_count;
    const std::int64_t within = i - row * sample_count;
    const std::int64_t source = indices[row];
    dst[i] = samples[source * sample_count + within];
    if (within == 0) dst_labels[row] = labels[source];
  }
};

struct AddBias {
  float* dst;
  const float* bias;
  std::int64_t features;
  __device__ void operator()(std::int64_t i) const { dst[i] += bias[i % features]; }
};

struct BiasGradient {
  const float* diff_dst;
  float* diff_bias;
  std::int64_t rows, features;
  __device__ void operator()(std::int64_t feature) const {
    double sum = 0.0;
    for (std::int64_t row = 0; row < rows; ++row) sum += static_cast<double>(diff_dst[row * features + feature]);
    diff_bias[feature] = static_cast<float>(sum);
  }
};

// Host-device (never called on the host), as arithmetic::thread_sum is.
struct ProductTerm {
  const float* x;
  const float* y;
  THERMO_HOST_DEVICE double operator()(std::int64_t i) const { return math::product(x[i], y[i]); }
};

struct BlockSumTerm {
  const double* block_sums;
  THERMO_HOST_DEVICE double operator()(std::int64_t i) const { return block_sums[i]; }
};

// Folds the block's threads' values into values[0] (arithmetic::fold_level's tree).
__device__ void fold_block(double* values) {
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    math::fold_level(values, static_cast<int>(threadIdx.x), half);
    __syncthreads();
  }
}

__global__ void dot_blocks(ProductTerm term, std::int64_t count, double* block_sums) {
  __shared__ double values[kThreads];
  values[threadIdx.x] = math::thread_sum(count, static_cast<int>(gridDim.x), static_cast<int>(blockIdx.x),
                                         static_cast<int>(threadIdx.x), term);
  fold_block(values);
  if (threadIdx.x == 0) block_sums[blockIdx.x] = values[0];
}

__global__ void fold_block_sums(const double* block_sums, int blocks, double* result) {
  __shared__ double values[kThreads];
  values[threadIdx.x] = math::thread_sum(blocks, 1, 0, static_cast<int>(threadIdx.x), BlockSumTerm{block_sums});
  fold_block(values);
  if (threadIdx.x == 0) *result = values[0];
}

}  // namespace

void fill(float* x, std::int64_t count, float value, cudaStream_t stream) {
  for_each(count, Fill<float>{x, value}, stream, "fill");
}
void fill(std::int32_t* x, std::int64_t count, std::int32_t value, cudaStream_t stream) {
  for_each(count, Fill<std::int32_t>{x, value}, stream, "fill");
}
void axpy(double alpha, const float* x, float* y, std::int64_t count, cudaStream_t stream) {
  for_each(count, Axpy{alpha, x, y}, stream, "axpy");
}
void scale(double alpha, float* x, std::int64_t count, cudaStream_t stream) {
  for_each(count, Scale{alpha, x}, stream, "scale");
}

std::int64_t reduction_scratch(std::int64_t count) {
  return math::reduction_blocks(count);
}

void dot(const float* x, const float* y, std::int64_t count, double* scratch, double* result, cudaStream_t stream) {
  const int blocks = math::reduction_blocks(count);
  dot_blocks<<<blocks, kThreads, 0, stream>>>(ProductTerm{x, y}, count, scratch);
  check_launch("dot_blocks");
  fold_block_sums<<<1, kThreads, 0, stream>>>(scratch, blocks, result);
  check_launch("fold_block_sums");
}

void scale_to_norm(double norm, float* x, std::int64_t count, double* scratch, double* squared, cudaStream_t stream) {
  dot(x, x, count, scratch, squared, stream);
  for_each(count, ScaleToNorm{norm, squared, x}, stream, "scale_to_norm");
}

void add(const float* a, const float* b, float* dst, std::int64_t count, cudaStream_t stream) {
  for_each(count, Add{a, b, dst}, stream, "add");
}
void accumulate(const float* src, float* dst, std::int64_t count, cudaStream_t stream) {
  for_each(count, Accumulate{src, dst}, stream, "accumulate");
}
void relu_forward(const float* src, float* dst, std::int64_t count, cudaStream_t stream) {
  for_each(count, ReluForward{src, dst}, stream, "relu_forward");
}
void relu_backward(const float* dst, const float* diff_dst, float* diff_src, std::int64_t count, cudaStream_t stream) {
  for_each(count, ReluBackward{dst, diff_dst, diff_src}, stream, "relu_backward");
}

void gather(const float* samples, std::int64_t sample_count, const std::int32_t* labels, const std::int32_t* indices,
            std::int64_t rows, float* dst, std::int32_t* dst_labels, cudaStream_t stream) {
  for_each(rows * sample_count, Gather{samples, sample_count, labels, indices, dst, dst_labels}, stream, "gather");
}

void add_bias(float* dst, const float* bias, std::int64_t rows, std::int64_t features, cudaStream_t stream) {
  for_each(rows * features, AddBias{dst, bias, features}, stream, "add_bias");
}
void bias_gradient(const float* diff_dst, float* diff_bias, std::int64_t rows, std::int64_t features,
                   cudaStream_t stream) {
  for_each(features, BiasGradient{diff_dst, diff_bias, rows, features}, stream, "bias_gradient");
}

}  // namespace thermo::cuda::kernels
