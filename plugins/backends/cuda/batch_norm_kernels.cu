// Batch norm over NCHW with float64 statistics (arithmetic/batch_norm.hpp): each channel's
// values are split into parts, one block per (part, channel) sums them in float64 in a fixed
// order, and one thread per channel adds the parts in order: deterministic, and the same bits
// for any device.
#include "arithmetic/batch_norm.hpp"
#include "arithmetic/reduction.hpp"
#include "kernels.hpp"
#include "launch.cuh"

namespace thermo::cuda::kernels {
namespace {

namespace math = arithmetic;
constexpr int kThreads = math::kReductionThreads;
constexpr int kMaxParts = 64;
constexpr int kChannelThreads = 64;

int parts_of(const BatchNormShape& shape) {
  const int parts = math::reduction_blocks(shape.per_channel());
  return parts < kMaxParts ? parts : kMaxParts;
}

__device__ std::int64_t element_index(const BatchNormShape& shape, std::int64_t channel, std::int64_t j) {
  const std::int64_t n = j / shape.spatial;
  return (n * shape.channels + channel) * shape.spatial + (j - n * shape.spatial);
}

__device__ math::Normalisation normalisation_of(const BatchNormState& state, std::int64_t channel) {
  return {state.mean_high[channel], state.mean_low[channel], state.inverse_std[channel]};
}

// Folds two per-thread sums over the block; thread 0 writes them to out[0], out[1].
__device__ void fold_pair(double* first, double* second, double* out) {
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    math::fold_level(first, static_cast<int>(threadIdx.x), half);
    math::fold_level(second, static_cast<int>(threadIdx.x), half);
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[0] = first[0];
    out[1] = second[0];
  }
}

// scratch[(channel·parts + part)·2 + {0, 1}] = Σ (x − shift), Σ (x − shift)² over the part.
__global__ void statistics_parts(const float* src, BatchNormShape shape, double* scratch) {
  __shared__ double sums[kThreads];
  __shared__ double squares[kThreads];
  const std::int64_t channel = blockIdx.y;
  const int parts = static_cast<int>(gridDim.x);
  const float shift = src[channel * shape.spatial];  // sample 0, position 0
  math::ShiftedSums own;
  const std::int64_t stride = static_cast<std::int64_t>(parts) * kThreads;
  for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; j < shape.per_channel();
       j += stride) {
    math::add_value(own, src[element_index(shape, channel, j)], shift);
  }
  sums[threadIdx.x] = own.sum;
  squares[threadIdx.x] = own.squares;
  fold_pair(sums, squares, scratch + (channel * parts + blockIdx.x) * 2);
}

__global__ void finish_statistics(const float* src, BatchNormShape shape, int parts, const double* scratch, double eps,
                                  double momentum, float* running_mean, float* running_var, BatchNormState state) {
  const std::int64_t channel = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (channel >= shape.channels) return;
  math::ShiftedSums total;
  for (int part = 0; part < parts; ++part) {
    total.sum += scratch[(channel * parts + part) * 2];
    total.squares += scratch[(channel * parts + part) * 2 + 1];
  }
  const float shift = src[channel * shape.spatial];
  const auto statistics = math::finish_statistics(total, shift, shape.per_channel());
  const auto n = math::make_normalisation(statistics.mean, statistics.variance, eps);
  state.mean_high[channel] = n.mean_high;
  state.mean_low[channel] = n.mean_low;
  state.inverse_std[channel] = n.inverse_std;
  running_mean[channel] = math::running_update(running_mean[channel], statistics.mean, momentum);
  running_var[channel] = math::running_update(running_var[channel],
                                              math::unbias_factor(shape.per_channel()) * statistics.variance, momentum);
}

__global__ void from_running(const float* running_mean, const float* running_var, std::int64_t channels, double eps,
                             BatchNormState state) {
  const std::int64_t channel = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (channel >= channels) return;
  const auto n = math::make_normalisation(static_cast<double>(running_mean[channel]),
                                          static_cast<double>(running_var[channel]), eps);
  state.mean_high[channel] = n.mean_high;
  state.mean_low[channel] = n.mean_low;
  state.inverse_std[channel] = n.inverse_std;
}

struct Normalise {
  const float* src;
  float* dst;
  BatchNormShape shape;
  bool relu;
  BatchNormState state;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t channel = (i / shape.spatial) % shape.channels;
    const float y = math::normalised(src[i], normalisation_of(state, channel));
    dst[i] = math::relu_passed(y, y, relu);
  }
};

// scratch[(channel·parts + part)·2 + {0, 1}] = Σ g, Σ g·x̂ over the part (g masked by the ReLU).
__global__ void gradient_parts(const float* src, const float* diff_dst, BatchNormShape shape, bool relu,
                               BatchNormState state, double* scratch) {
  __shared__ double sums[kThreads];
  __shared__ double weighted[kThreads];
  const std::int64_t channel = blockIdx.y;
  const int parts = static_cast<int>(gridDim.x);
  const auto n = normalisation_of(state, channel);
  double sum = 0.0, weighted_sum = 0.0;
  const std::int64_t stride = static_cast<std::int64_t>(parts) * kThreads;
  for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; j < shape.per_channel();
       j += stride) {
    const std::int64_t at = element_index(shape, channel, j);
    const float y = math::normalised(src[at], n);
    const float g = math::relu_passed(diff_dst[at], y, relu);
    sum += static_cast<double>(g);
    weighted_sum += static_cast<double>(g) * static_cast<double>(y);
  }
  sums[threadIdx.x] = sum;
  weighted[threadIdx.x] = weighted_sum;
  fold_pair(sums, weighted, scratch + (channel * parts + blockIdx.x) * 2);
}

__global__ void finish_coefficients(BatchNormShape shape, int parts, const double* scratch, BatchNormState state) {
  const std::int64_t channel = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (channel >= shape.channels) return;
  double sum = 0.0, weighted = 0.0;
  for (int part = 0; part < parts; ++part) {
    sum += scratch[(channel * parts + part) * 2];
    weighted += scratch[(channel * parts + part) * 2 + 1];
  }
  const auto c = math::gradient_coefficients(state.inverse_std[channel], sum, weighted, shape.per_channel());
  state.offset[channel] = c.offset;
  state.slope[channel] = c.slope;
}

struct InputGradient {
  const float* src;
  const float* diff_dst;
  float* diff_src;
  BatchNormShape shape;
  bool relu;
  BatchNormState state;
  __device__ void operator()(std::int64_t i) const {
    const std::int64_t channel = (i / shape.spatial) % shape.channels;
    const auto n = normalisation_of(state, channel);
    const float y = math::normalised(src[i], n);
    const float g = math::relu_passed(diff_dst[i], y, relu);
    diff_src[i] = math::input_gradient(g, y, n.inverse_std, {state.offset[channel], state.slope[channel]});
  }
};

int channel_blocks(std::int64_t channels) {
  return static_cast<int>((channels + kChannelThreads - 1) / kChannelThreads);
}

}  // namespace

std::int64_t batch_norm_scratch(const BatchNormShape& shape) {
  return 2 * shape.channels * parts_of(shape);
}

void batch_norm_statistics(const float* src, const BatchNormShape& shape, double eps, double momentum,
                           float* running_mean, float* running_var, double* scratch, const BatchNormState& state,
                           cudaStream_t stream) {
  const int parts = parts_of(shape);
  statistics_parts<<<dim3(static_cast<unsigned>(parts), static_cast<unsigned>(shape.channels)), kThreads, 0, stream>>>(
      src, shape, scratch);
  check_launch("batch norm statistics_parts");
  finish_statistics<<<channel_blocks(shape.channels), kChannelThreads, 0, stream>>>(
      src, shape, parts, scratch, eps, momentum, running_mean, running_var, state);
  check_launch("batch norm finish_statistics");
}

void batch_norm_from_running(const float* running_mean, const float* running_var, std::int64_t channels, double eps,
                             const BatchNormState& state, cudaStream_t stream) {
  from_running<<<channel_blocks(channels), kChannelThreads, 0, stream>>>(running_mean, running_var, channels, eps,
                                                                         state);
  check_launch("batch norm from_running");
}

void batch_norm_normalise(const float* src, float* dst, const BatchNormShape& shape, bool relu,
                          const BatchNormState& state, cudaStream_t stream) {
  for_each(shape.batch * shape.channels * shape.spatial, Normalise{src, dst, shape, relu, state}, stream,
           "batch norm normalise");
}

void batch_norm_backward(const float* src, const float* diff_dst, float* diff_src, const BatchNormShape& shape,
                         bool relu, double* scratch, const BatchNormState& state, cudaStream_t stream) {
  const int parts = parts_of(shape);
  gradient_parts<<<dim3(static_cast<unsigned>(parts), static_cast<unsigned>(shape.channels)), kThreads, 0, stream>>>(
      src, diff_dst, shape, relu, state, scratch);
  check_launch("batch norm gradient_parts");
  finish_coefficients<<<channel_blocks(shape.channels), kChannelThreads, 0, stream>>>(shape, parts, scratch, state);
  check_launch("batch norm finish_coefficients");
  for_each(shape.batch * shape.channels * shape.spatial, InputGradient{src, diff_dst, diff_src, shape, relu, state},
           stream, "batch norm input gradient");
}

}  // namespace thermo::cuda::kernels
