// The device pieces of the pairwise distances (arithmetic/pairwise.hpp): a float64 block of
// columns centred by float32 means (the Gram matrix itself is cuBLAS's dsyrk), the compensated
// sum of the blocks' Gram matrices, and the direct float64 distances of the pairs that cancel.
#include "arithmetic/pairwise.hpp"
#include "arithmetic/reduction.hpp"
#include "kernels.hpp"
#include "launch.cuh"

namespace thermo::cuda::kernels {
namespace {

namespace math = arithmetic;
constexpr int kThreads = math::kReductionThreads;

struct CentredColumn {
  const float* rows;
  std::int64_t count, dim, begin, width;
  double* block;
  __device__ void operator()(std::int64_t column) const {
    double sum = 0.0;
    for (std::int64_t r = 0; r < count; ++r) sum += static_cast<double>(rows[r * dim + begin + column]);
    const double centre = math::float_centre(sum, static_cast<double>(count));
    for (std::int64_t r = 0; r < count; ++r) {
      block[r * width + column] = static_cast<double>(rows[r * dim + begin + column]) - centre;
    }
  }
};

// The upper triangle of the row-major count × count matrices (cuBLAS's lower, column-major).
struct CompensatedAccumulate {
  const double* block_gram;
  double* gram;
  double* carry;
  std::int64_t count;
  __device__ void operator()(std::int64_t at) const {
    const std::int64_t i = at / count, j = at - (at / count) * count;
    if (j < i) return;
    math::compensated_add(gram[at], carry[at], block_gram[at]);
  }
};

__global__ void pair_distance_blocks(const float* rows, std::int64_t dim, const std::int32_t* pairs,
                                     double* distances) {
  __shared__ double values[kThreads];
  const std::int64_t pair = blockIdx.x;
  const float* x = rows + static_cast<std::int64_t>(pairs[2 * pair]) * dim;
  const float* y = rows + static_cast<std::int64_t>(pairs[2 * pair + 1]) * dim;
  double sum = 0.0;
  for (std::int64_t c = threadIdx.x; c < dim; c += kThreads) sum += math::squared_difference(x[c], y[c]);
  values[threadIdx.x] = sum;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    math::fold_level(values, static_cast<int>(threadIdx.x), half);
    __syncthreads();
  }
  if (threadIdx.x == 0) distances[pair] = values[0];
}

}  // namespace

void centred_block(const float* rows, std::int64_t count, std::int64_t dim, std::int64_t begin, std::int64_t width,
                   double* block, cudaStream_t stream) {
  for_each(width, CentredColumn{rows, count, dim, begin, width, block}, stream, "pairwise centred_block");
}

void compensated_accumulate(const double* block_gram, double* gram, double* carry, std::int64_t count,
                            cudaStream_t stream) {
  for_each(count * count, CompensatedAccumulate{block_gram, gram, carry, count}, stream,
           "pairwise compensated_accumulate");
}

void pair_distances(const float* rows, std::int64_t dim, const std::int32_t* pairs, std::int64_t pair_count,
                    double* distances, cudaStream_t stream) {
  if (pair_count == 0) return;
  pair_distance_blocks<<<static_cast<unsigned>(pair_count), kThreads, 0, stream>>>(rows, dim, pairs, distances);
  check_launch("pairwise pair_distance_blocks");
}

}  // namespace thermo::cuda::kernels
