#pragma once
// The cuda backend's own kernels (the .cu files), launched on a stream; what cuDNN and cuBLAS do
// not offer: vector ops and float64 reductions, gather, element-wise tensor ops, batch norm with
// float64 statistics, pooling with PyTorch's maximum, losses, and the pieces of the pairwise
// distances. Their arithmetic lives in arithmetic/*.hpp (host-tested). Tensors are plain NCHW.

#include "arithmetic/host_device.hpp"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace thermo::cuda::kernels {

// --- vectors (vector_kernels.cu) ---
void fill(float* x, std::int64_t count, float value, cudaStream_t stream);
void fill(std::int32_t* x, std::int64_t count, std::int32_t value, cudaStream_t stream);
void axpy(double alpha, const float* x, float* y, std::int64_t count, cudaStream_t stream);
void scale(double alpha, float* x, std::int64_t count, cudaStream_t stream);
// Doubles of scratch a reduction over `count` elements needs (its block sums).
[[nodiscard]] std::int64_t reduction_scratch(std::int64_t count);
// *result (device) = Σ x·y in float64, deterministic (arithmetic/reduction.hpp).
void dot(const float* x, const float* y, std::int64_t count, double* scratch, double* result, cudaStream_t stream);
// x ← norm·x/‖x‖, the norm never leaving the device; x unchanged when ‖x‖ is 0 or not finite.
void scale_to_norm(double norm, float* x, std::int64_t count, double* scratch, double* squared, cudaStream_t stream);

// --- tensors (vector_kernels.cu) ---
void add(const float* a, const float* b, float* dst, std::int64_t count, cudaStream_t stream);
void accumulate(const float* src, float* dst, std::int64_t count, cudaStream_t stream);
void relu_forward(const float* src, float* dst, std::int64_t count, cudaStream_t stream);
void relu_backward(const float* dst, const float* diff_dst, float* diff_src, std::int64_t count, cudaStream_t stream);
// dst[row] = samples[indices[row]] (sample_count floats each), dst_labels likewise.
void gather(const float* samples, std::int64_t sample_count, const std::int32_t* labels, const std::int32_t* indices,
            std::int64_t rows, float* dst, std::int32_t* dst_labels, cudaStream_t stream);

// --- batch norm over NCHW (batch_norm_kernels.cu) ---
struct BatchNormShape {
  std::int64_t batch = 0, channels = 0, spatial = 0;  // spatial = H·W
  [[nodiscard]] THERMO_HOST_DEVICE std::int64_t per_channel() const { return batch * spatial; }
};
// The per-channel state of a batch norm, in device memory: `channels` entries each.
struct BatchNormState {
  float* mean_high = nullptr;  // arithmetic::Normalisation, per channel
  float* mean_low = nullptr;
  float* inverse_std = nullptr;
  float* offset = nullptr;  // arithmetic::GradientCoefficients of the last backward
  float* slope = nullptr;
};
// Doubles of scratch the per-channel sums need: 2 per (channel, part).
[[nodiscard]] std::int64_t batch_norm_scratch(const BatchNormShape& shape);
// Statistics of src (float64, shifted), the normalisation, the running statistics' update.
void batch_norm_statistics(const float* src, const BatchNormShape& shape, double eps, double momentum,
                           float* running_mean, float* running_var, double* scratch, const BatchNormState& state,
                           cudaStream_t stream);
// The normalisation from running statistics (inference).
void batch_norm_from_running(const float* running_mean, const float* running_var, std::int64_t channels, double eps,
                             const BatchNormState& state, cudaStream_t stream);
// dst = x̂ (or the ReLU of x̂) with the state's normalisation.
void batch_norm_normalise(const float* src, float* dst, const BatchNormShape& shape, bool relu,
                          const BatchNormState& state, cudaStream_t stream);
// diff_src through the normalisation (and the ReLU's mask) with the batch statistics.
void batch_norm_backward(const float* src, const float* diff_dst, float* diff_src, const BatchNormShape& shape,
                         bool relu, double* scratch, const BatchNormState& state, cudaStream_t stream);

// --- pooling over NCHW (pool_kernels.cu) ---
struct PoolGeometry {
  std::int64_t batch = 0, channels = 0, height = 0, width = 0;
  std::int64_t out_height = 0, out_width = 0;
  std::int64_t kernel = 2, stride = 2, padding = 0;
};
// Max pooling; with `argmax` non-null, each output's source index within its plane is kept.
void max_pool_forward(const float* src, float* dst, std::int32_t* argmax, const PoolGeometry& geometry,
                      cudaStream_t stream);
void max_pool_backward(const float* diff_dst, const std::int32_t* argmax, float* diff_src, const PoolGeometry& geometry,
                       cudaStream_t stream);
// Average pooling counting the padding (PyTorch's count_include_pad = True).
void average_pool_forward(const float* src, float* dst, const PoolGeometry& geometry, cudaStream_t stream);
void average_pool_backward(const float* diff_dst, float* diff_src, const PoolGeometry& geometry, cudaStream_t stream);

// --- linear layer's bias (vector_kernels.cu) ---
void add_bias(float* dst, const float* bias, std::int64_t rows, std::int64_t features, cudaStream_t stream);
// diff_bias[f] = Σ_rows diff_dst[row, f] in float64.
void bias_gradient(const float* diff_dst, float* diff_bias, std::int64_t rows, std::int64_t features,
                   cudaStream_t stream);

// --- losses (loss_kernels.cu) ---
// What one forward sums: the loss, the samples whose arg-max is the label, labels outside range.
struct LossTotals {
  double sum = 0.0;
  std::int64_t correct = 0;
  std::int64_t invalid = 0;
};
// Per sample: the loss and d(loss)/d(logits) (float64, rows × classes, kept for backward), then
// the totals into *totals (device).
void loss_forward(bool cross_entropy, const float* logits, const std::int32_t* labels, std::int64_t rows,
                  std::int64_t classes, double* gradient, double* per_sample, LossTotals* totals, cudaStream_t stream);
void loss_backward(double scale, const double* gradient, float* diff_logits, std::int64_t count, cudaStream_t stream);

// --- pairwise distances (pairwise_kernels.cu) ---
// block (count × width, float64) = rows[:, begin:begin+width] − the columns' float32 means.
void centred_block(const float* rows, std::int64_t count, std::int64_t dim, std::int64_t begin, std::int64_t width,
                   double* block, cudaStream_t stream);
// gram += block_gram with Neumaier's compensation in carry (upper triangle, count × count).
void compensated_accumulate(const double* block_gram, double* gram, double* carry, std::int64_t count,
                            cudaStream_t stream);
// distances[p] = Σ_c (rows[i_p, c] − rows[j_p, c])² in float64 for the pairs (i_p, j_p).
void pair_distances(const float* rows, std::int64_t dim, const std::int32_t* pairs, std::int64_t pair_count,
                    double* distances, cudaStream_t stream);

}  // namespace thermo::cuda::kernels
