#pragma once
// Batch-norm arithmetic on channel blocks (any layout of channel_blocks.hpp), with OpenMP.
// Statistics and the backward's per-channel sums accumulate in float64 (shifted by the first
// value of each channel), so that inputs with a large mean against their spread (post-ReLU
// activations, channels whose mean is 5 and spread 0.01) keep their variance; oneDNN's float32
// batch norm loses it. Normalisation subtracts the float64 mean as two float32 parts.

#include "channel_blocks.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace thermo::cpu {

// Per channel, padded to the layout's padded_channels() (padding: mean 0, inverse_std 0, so
// that padded channels come out zero): x̂ = ((x − mean_high) − mean_low) · inverse_std.
struct Normalisation {
  std::vector<float> mean_high;
  std::vector<float> mean_low;
  std::vector<float> inverse_std;
};

// The float64 mean and biased variance of every channel (`mean` and `variance` hold
// layout.channels values).
void batch_statistics(const float* src, const ChannelBlocks& layout, int threads, std::span<double> mean,
                      std::span<double> variance);

// inverse_std = 1/sqrt(variance + eps), computed in float64.
[[nodiscard]] Normalisation make_normalisation(std::span<const double> mean, std::span<const double> variance,
                                               double eps, const ChannelBlocks& layout);

// dst = x̂, or max(x̂, 0) with relu; dst may be src. Padded channels are written as zero.
void normalise(const float* src, float* dst, const ChannelBlocks& layout, const Normalisation& normalisation, bool relu,
               int threads);

// Gradient through the normalisation with the batch statistics of src:
// diff_src = inverse_std · (g − mean(g) − x̂ · mean(g · x̂)), g = diff_dst (masked by x̂ > 0 with relu).
void normalise_backward(const float* src, const float* diff_dst, float* diff_src, const ChannelBlocks& layout,
                        const Normalisation& normalisation, bool relu, int threads);

// Max pooling after the normalisation (and ReLU): windows of window×window with that stride, no
// padding, the output height·width = floor(height / window)·floor(width / window).
struct PoolWindows {
  std::int64_t height = 0;
  std::int64_t width = 0;
  std::int64_t window = 0;
  [[nodiscard]] std::int64_t pooled_height() const { return height / window; }
  [[nodiscard]] std::int64_t pooled_width() const { return width / window; }
};

// dst (laid out as `pooled`: src's blocks over the pooled positions) = the maximum of x̂ (or of
// max(x̂, 0) with relu) over each window. x̂ is monotone in x, so this is the pooling of the
// normalised tensor, value for value, without writing it.
void normalise_max_pool(const float* src, float* dst, const ChannelBlocks& layout, const ChannelBlocks& pooled,
                        const PoolWindows& windows, const Normalisation& normalisation, bool relu, int threads);

// The gradient through normalise_max_pool with the batch statistics of src: each window's diff
// goes to its first maximum in scan order (PyTorch's rule), the other positions get none, then
// through the ReLU mask and the normalisation as normalise_backward. pooled_dst is what
// normalise_max_pool wrote for this src: the windows' maxima are read from it, not recomputed
// (the backward's per-channel sums then read a quarter of src's bytes for 2×2 windows).
void normalise_max_pool_backward(const float* src, const float* pooled_dst, const float* diff_pooled, float* diff_src,
                                 const ChannelBlocks& layout, const ChannelBlocks& pooled, const PoolWindows& windows,
                                 const Normalisation& normalisation, bool relu, int threads);

}  // namespace thermo::cpu
