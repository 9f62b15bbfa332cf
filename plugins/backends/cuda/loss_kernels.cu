// Cross-entropy and squared error per sample in float64 (arithmetic/loss.hpp), their
// deterministic sum over the batch, and the gradient scaled into float32 logits' diffs.
#include "arithmetic/loss.hpp"
#include "arithmetic/reduction.hpp"
#include "kernels.hpp"
#include "launch.cuh"

namespace thermo::cuda::kernels {
namespace {

namespace math = arithmetic;
constexpr int kThreads = math::kReductionThreads;

struct PerSample {
  bool cross_entropy;
  const float* logits;
  const std::int32_t* labels;
  std::int64_t classes;
  double* gradient;
  double* per_sample;  // [row] loss, [rows + row] 1 when correct, [2·rows + row] 1 when the label is invalid
  std::int64_t rows;
  __device__ void operator()(std::int64_t row) const {
    const float* values = logits + row * classes;
    double* row_gradient = gradient + row * classes;
    const std::int32_t label = labels[row];
    if (label < 0 || label >= classes) {
      for (std::int64_t k = 0; k < classes; ++k) row_gradient[k] = 0.0;
      per_sample[row] = 0.0;
      per_sample[rows + row] = 0.0;
      per_sample[2 * rows + row] = 1.0;
      return;
    }
    per_sample[row] = cross_entropy ? math::cross_entropy(values, classes, label, row_gradient)
                                    : math::squared_error(values, classes, label, row_gradient);
    per_sample[rows + row] = math::first_arg_max(values, classes) == label ? 1.0 : 0.0;
    per_sample[2 * rows + row] = 0.0;
  }
};

// One block sums the three columns of per_sample in the order of arithmetic/reduction.hpp.
__global__ void sum_totals(const double* per_sample, std::int64_t rows, LossTotals* totals) {
  __shared__ double values[kThreads];
  double results[3];
  for (int column = 0; column < 3; ++column) {
    const double* data = per_sample + column * rows;
    double sum = 0.0;
    for (std::int64_t i = threadIdx.x; i < rows; i += kThreads) sum += data[i];
    values[threadIdx.x] = sum;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
      math::fold_level(values, static_cast<int>(threadIdx.x), half);
      __syncthreads();
    }
    results[column] = values[0];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    totals->sum = results[0];
    totals->correct = static_cast<std::int64_t>(results[1]);
    totals->invalid = static_cast<std::int64_t>(results[2]);
  }
}

struct ScaledGradient {
  double scale;
  const double* gradient;
  float* diff;
  __device__ void operator()(std::int64_t i) const { diff[i] = static_cast<float>(scale * gradient[i]); }
};

}  // namespace

void loss_forward(bool cross_entropy, const float* logits, const std::int32_t* labels, std::int64_t rows,
                  std::int64_t classes, double* gradient, double* per_sample, LossTotals* totals, cudaStream_t stream) {
  for_each(rows, PerSample{cross_entropy, logits, labels, classes, gradient, per_sample, rows}, stream,
           "loss per sample");
  sum_totals<<<1, kThreads, 0, stream>>>(per_sample, rows, totals);
  check_launch("loss sum_totals");
}

void loss_backward(double scale, const double* gradient, float* diff_logits, std::int64_t count, cudaStream_t stream) {
  for_each(count, ScaledGradient{scale, gradient, diff_logits}, stream, "loss backward");
}

}  // namespace thermo::cuda::kernels
