#include "batch_norm_kernels.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace thermo::cpu {
namespace {

using Index = std::int64_t;

// Below this many elements a second thread costs more than it saves.
constexpr Index kParallelElements = Index{1} << 15;

int team_size(const ChannelBlocks& layout, int threads) {
  return layout.runs() * layout.spatial * layout.block >= kParallelElements ? std::max(threads, 1) : 1;
}

inline float normalised(float x, float high, float low, float inverse) {
  return ((x - high) - low) * inverse;
}

// The value kept where a fused ReLU passes (x̂ > 0 or NaN), else 0: a bitwise select (not a branch,
// which keeps the loops that mix float and double vectorisable on baseline x86-64).
// NaN passes (PyTorch's ReLU keeps it), so that a diverged network's NaN reaches the loss.
template <bool kRelu>
inline float passed(float value, float normalised_value) {
  if constexpr (kRelu) {
    const std::uint32_t keep = !(normalised_value <= 0.0F) ? ~std::uint32_t{0} : 0U;
    return std::bit_cast<float>(std::bit_cast<std::uint32_t>(value) & keep);
  }
  return value;
}

// Calls kernel.template operator()<kBlock, kRelu>() with the layout's block as a compile-time
// constant for the common blocks (1, 8, 16; kBlock = 0 reads the block at run time).
template <typename Kernel>
inline void with_block(Index block, bool relu, const Kernel& kernel) {
  auto with_relu = [&]<int kBlock>() {
    if (relu) {
      kernel.template operator()<kBlock, true>();
    } else {
      kernel.template operator()<kBlock, false>();
    }
  };
  switch (block) {
    case 1:
      with_relu.template operator()<1>();
      break;
    case 8:
      with_relu.template operator()<8>();
      break;
    case 16:
      with_relu.template operator()<16>();
      break;
    default:
      with_relu.template operator()<0>();
      break;
  }
}

// Per-thread float64 sums of two per-channel quantities, combined in thread order afterwards
// (deterministic for a given thread count). `accumulate(run, first, sum_a, sum_b)` adds a run's
// values into sum_a[first..] and sum_b[first..].
template <typename Accumulate>
void channel_sums(const ChannelBlocks& layout, int threads, std::vector<double>& sum_a, std::vector<double>& sum_b,
                  const Accumulate& accumulate) {
  const Index padded = layout.padded_channels();
  const int team = team_size(layout, threads);
  std::vector<double> partial(static_cast<std::size_t>(team) * 2 * static_cast<std::size_t>(padded), 0.0);
  const Index runs = layout.runs();
#pragma omp parallel num_threads(team) if (team > 1)
  {
    double* a = partial.data() + static_cast<std::ptrdiff_t>(omp_get_thread_num()) * 2 * padded;
    double* b = a + padded;
#pragma omp for schedule(static)
    for (Index run = 0; run < runs; ++run) {
      const Index first = layout.first_channel(run);
      accumulate(run, first, a + first, b + first);
    }
  }
  sum_a.assign(static_cast<std::size_t>(padded), 0.0);
  sum_b.assign(static_cast<std::size_t>(padded), 0.0);
  for (int thread = 0; thread < team; ++thread) {
    const double* a = partial.data() + static_cast<std::ptrdiff_t>(thread) * 2 * padded;
    for (Index c = 0; c < padded; ++c) {
      sum_a[static_cast<std::size_t>(c)] += a[c];
      sum_b[static_cast<std::size_t>(c)] += a[padded + c];
    }
  }
}

// Per channel j of a run, the float64 sums over its positions i of two terms, added to sum_a[j]
// and sum_b[j]: term(i, j, a, b) adds position i's terms of channel j to a and b. A block of one
// channel sums as an OpenMP simd reduction; compile-time blocks keep the run's sums in registers
// (through memory they would chain every position's additions), each channel adding its terms in
// position order; other blocks add into sum_a and sum_b directly, in the same order.
template <int kBlock, typename Term>
inline void paired_sums(Index positions, Index runtime_block, double* sum_a, double* sum_b, const Term& term) {
  if constexpr (kBlock == 1) {
    double a = 0.0, b = 0.0;
#pragma omp simd reduction(+ : a, b)
    for (Index i = 0; i < positions; ++i) {
      term(i, Index{0}, a, b);
    }
    sum_a[0] += a;
    sum_b[0] += b;
  } else if constexpr (kBlock > 1) {
    double a[kBlock] = {}, b[kBlock] = {};
    for (Index i = 0; i < positions; ++i) {
#pragma omp simd
      for (int j = 0; j < kBlock; ++j) {
        term(i, j, a[j], b[j]);
      }
    }
    for (int j = 0; j < kBlock; ++j) {
      sum_a[j] += a[j];
      sum_b[j] += b[j];
    }
  } else {
    for (Index i = 0; i < positions; ++i) {
      for (Index j = 0; j < runtime_block; ++j) {
        term(i, j, sum_a[j], sum_b[j]);
      }
    }
  }
}

// Σ (x − shift) and Σ (x − shift)² over one run.
template <int kBlock>
void shifted_sums(const float* run, Index spatial, Index runtime_block, const float* shift, double* sum,
                  double* squares) {
  const Index block = kBlock > 0 ? kBlock : runtime_block;
  paired_sums<kBlock>(spatial, runtime_block, sum, squares, [=](Index i, Index j, double& sum_j, double& squares_j) {
    const double d = static_cast<double>(run[i * block + j]) - static_cast<double>(shift[j]);
    sum_j += d;
    squares_j += d * d;
  });
}

template <int kBlock, bool kRelu>
void normalise_run(const float* src, float* dst, Index spatial, Index runtime_block, const float* high,
                   const float* low, const float* inverse) {
  const Index block = kBlock > 0 ? kBlock : runtime_block;
  if constexpr (kBlock == 1) {
    const float h = high[0], l = low[0], v = inverse[0];
#pragma omp simd
    for (Index i = 0; i < spatial; ++i) {
      const float y = normalised(src[i], h, l, v);
      dst[i] = passed<kRelu>(y, y);
    }
  } else {
    for (Index i = 0; i < spatial; ++i) {
      const float* x = src + i * block;
      float* out = dst + i * block;
#pragma omp simd
      for (Index j = 0; j < block; ++j) {
        const float y = normalised(x[j], high[j], low[j], inverse[j]);
        out[j] = passed<kRelu>(y, y);
      }
    }
  }
}

// Σ g and Σ g·x̂ over one run (g = diff_dst, masked by x̂ > 0 with relu).
template <int kBlock, bool kRelu>
void gradient_sums(const float* src, const float* diff_dst, Index spatial, Index runtime_block, const float* high,
                   const float* low, const float* inverse, double* sum, double* weighted) {
  const Index block = kBlock > 0 ? kBlock : runtime_block;
  paired_sums<kBlock>(spatial, runtime_block, sum, weighted, [=](Index i, Index j, double& sum_j, double& weighted_j) {
    const float y = normalised(src[i * block + j], high[j], low[j], inverse[j]);
    const auto g = static_cast<double>(passed<kRelu>(diff_dst[i * block + j], y));
    sum_j += g;
    weighted_j += g * static_cast<double>(y);
  });
}

// diff_src = inverse_std·g − offset − x̂·slope, per channel.
template <int kBlock, bool kRelu>
void gradient_run(const float* src, const float* diff_dst, float* diff_src, Index spatial, Index runtime_block,
                  const float* high, const float* low, const float* inverse, const float* offset, const float* slope) {
  if constexpr (kBlock == 1) {
    const float h = high[0], l = low[0], v = inverse[0], o = offset[0], k = slope[0];
#pragma omp simd
    for (Index i = 0; i < spatial; ++i) {
      const float y = normalised(src[i], h, l, v);
      const float g = passed<kRelu>(diff_dst[i], y);
      diff_src[i] = v * g - o - y * k;
    }
  } else {
    const Index block = kBlock > 0 ? kBlock : runtime_block;
    for (Index i = 0; i < spatial; ++i) {
      const float* x = src + i * block;
      const float* dy = diff_dst + i * block;
      float* out = diff_src + i * block;
#pragma omp simd
      for (Index j = 0; j < block; ++j) {
        const float y = normalised(x[j], high[j], low[j], inverse[j]);
        const float g = passed<kRelu>(dy[j], y);
        out[j] = inverse[j] * g - offset[j] - y * slope[j];
      }
    }
  }
}

// Whether y replaces the window's maximum so far: larger, or NaN (PyTorch's max pooling).
inline bool replaces(float y, float best) {
  return static_cast<bool>(static_cast<int>(y > best) | static_cast<int>(y != y));  // no branch: vectorisable
}

// The maximum of x̂ over the k×k window whose first element is `first` (rows `row_stride` apart,
// columns `column_stride` apart).
inline float window_maximum(const float* first, Index k, Index row_stride, Index column_stride, float high, float low,
                            float inverse) {
  float best = -std::numeric_limits<float>::infinity();
  for (Index dy = 0; dy < k; ++dy) {
    for (Index dx = 0; dx < k; ++dx) {
      const float y = normalised(first[dy * row_stride + dx * column_stride], high, low, inverse);
      best = replaces(y, best) ? y : best;
    }
  }
  return best;
}

// One run's pooled maxima: dst[position·block + j] = max over the window of x̂ (ReLU applied).
template <int kBlock, bool kRelu, int kWindow>
void max_pool_run(const float* src, float* dst, Index runtime_block, const PoolWindows& windows, const float* high,
                  const float* low, const float* inverse) {
  const Index block = kBlock > 0 ? kBlock : runtime_block;
  const Index k = kWindow > 0 ? kWindow : windows.window, width = windows.width;
  const Index pooled_height = windows.pooled_height(), pooled_width = windows.pooled_width();
  for (Index row = 0; row < pooled_height; ++row) {
    for (Index column = 0; column < pooled_width; ++column) {
      const float* corner = src + (row * k * width + column * k) * block;
      float* out = dst + (row * pooled_width + column) * block;
#pragma omp simd
      for (Index j = 0; j < block; ++j) {
        const float best = window_maximum(corner + j, k, width * block, block, high[j], low[j], inverse[j]);
        out[j] = passed<kRelu>(best, best);
      }
    }
  }
}

// Σ g and Σ g·x̂ over one run, g the pooled diff at each window's first maximum (masked by the
// ReLU there), zero elsewhere: read from the forward's pooled output, which holds each window's
// maximum of x̂ where the ReLU passes it (and 0 where it does not, where g is 0 too).
template <int kBlock, bool kRelu>
void max_pool_gradient_sums(const float* pooled_dst, const float* diff_pooled, Index runtime_block,
                            const PoolWindows& windows, double* sum, double* weighted) {
  const Index block = kBlock > 0 ? kBlock : runtime_block;
  paired_sums<kBlock>(windows.pooled_height() * windows.pooled_width(), runtime_block, sum, weighted,
                      [=](Index position, Index j, double& sum_j, double& weighted_j) {
                        const float best = pooled_dst[position * block + j];
                        const auto g = static_cast<double>(passed<kRelu>(diff_pooled[position * block + j], best));
                        sum_j += g;
                        weighted_j += g * static_cast<double>(best);
                      });
}

// diff_src over one run: inverse_std·g − offset − x̂·slope, g as in max_pool_gradient_sums, the
// window's first position whose x̂ equals the pooled output taking it.
template <int kBlock, bool kRelu, int kWindow>
void max_pool_gradient_run(const float* src, const float* pooled_dst, const float* diff_pooled, float* diff_src,
                           Index runtime_block, const PoolWindows& windows, const float* high, const float* low,
                           const float* inverse, const float* offset, const float* slope) {
  const Index block = kBlock > 0 ? kBlock : runtime_block;
  const Index k = kWindow > 0 ? kWindow : windows.window, width = windows.width, height = windows.height;
  const Index pooled_height = windows.pooled_height(), pooled_width = windows.pooled_width();
  for (Index row = 0; row < pooled_height; ++row) {
    for (Index column = 0; column < pooled_width; ++column) {
      const Index corner = (row * k * width + column * k) * block;
      const float* diff = diff_pooled + (row * pooled_width + column) * block;
      const float* pooled = pooled_dst + (row * pooled_width + column) * block;
#pragma omp simd
      for (Index j = 0; j < block; ++j) {
        const float best = pooled[j];
        // The first position equal to the maximum is the one that set it; it takes g.
        float unclaimed = passed<kRelu>(diff[j], best);
        for (Index dy = 0; dy < k; ++dy) {
          for (Index dx = 0; dx < k; ++dx) {
            const Index at = corner + (dy * width + dx) * block + j;
            const float y = normalised(src[at], high[j], low[j], inverse[j]);
            const float own = y == best ? unclaimed : 0.0F;
            unclaimed = y == best ? 0.0F : unclaimed;
            diff_src[at] = inverse[j] * own - offset[j] - y * slope[j];
          }
        }
      }
    }
  }
  // Rows and columns outside every window (height or width not a multiple of the window).
  for (Index y = 0; y < height; ++y) {
    for (Index x = y < pooled_height * k ? pooled_width * k : 0; x < width; ++x) {
      const Index at = (y * width + x) * block;
#pragma omp simd
      for (Index j = 0; j < block; ++j) {
        const float value = normalised(src[at + j], high[j], low[j], inverse[j]);
        diff_src[at + j] = -offset[j] - value * slope[j];
      }
    }
  }
}

// One run (sample, block) of each kernel, compiled for AVX-512, AVX2 and baseline x86-64 and
// chosen at load time (the plugin is built for baseline x86-64; the float64 sums need wide
// vectors to keep up with memory). The OpenMP loops over runs stay outside.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define THERMO_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), flatten))
#else
#define THERMO_VECTOR_CLONES
#endif

THERMO_VECTOR_CLONES
void shifted_sums_of_run(const float* run, Index spatial, Index block, const float* shift, double* sum,
                         double* squares) {
  with_block(block, false, [&]<int kBlock, bool>() { shifted_sums<kBlock>(run, spatial, block, shift, sum, squares); });
}

THERMO_VECTOR_CLONES
void normalise_one_run(const float* src, float* dst, Index spatial, Index block, const float* high, const float* low,
                       const float* inverse, bool relu) {
  with_block(block, relu, [&]<int kBlock, bool kRelu>() {
    normalise_run<kBlock, kRelu>(src, dst, spatial, block, high, low, inverse);
  });
}

THERMO_VECTOR_CLONES
void gradient_sums_of_run(const float* src, const float* diff_dst, Index spatial, Index block, const float* high,
                          const float* low, const float* inverse, bool relu, double* sum, double* weighted) {
  with_block(block, relu, [&]<int kBlock, bool kRelu>() {
    gradient_sums<kBlock, kRelu>(src, diff_dst, spatial, block, high, low, inverse, sum, weighted);
  });
}

THERMO_VECTOR_CLONES
void gradient_of_run(const float* src, const float* diff_dst, float* diff_src, Index spatial, Index block,
                     const float* high, const float* low, const float* inverse, const float* offset, const float* slope,
                     bool relu) {
  with_block(block, relu, [&]<int kBlock, bool kRelu>() {
    gradient_run<kBlock, kRelu>(src, diff_dst, diff_src, spatial, block, high, low, inverse, offset, slope);
  });
}

// with_block, and the pooling window as a compile-time constant when it is 2 (kWindow = 0 reads
// it at run time).
template <typename Kernel>
inline void with_block_and_window(Index block, bool relu, Index window, const Kernel& kernel) {
  if (window == 2) {
    with_block(block, relu, [&]<int kBlock, bool kRelu>() { kernel.template operator()<kBlock, kRelu, 2>(); });
  } else {
    with_block(block, relu, [&]<int kBlock, bool kRelu>() { kernel.template operator()<kBlock, kRelu, 0>(); });
  }
}

THERMO_VECTOR_CLONES
void max_pool_one_run(const float* src, float* dst, Index block, const PoolWindows& windows, const float* high,
                      const float* low, const float* inverse, bool relu) {
  with_block_and_window(block, relu, windows.window, [&]<int kBlock, bool kRelu, int kWindow>() {
    max_pool_run<kBlock, kRelu, kWindow>(src, dst, block, windows, high, low, inverse);
  });
}

THERMO_VECTOR_CLONES
void max_pool_gradient_sums_of_run(const float* pooled_dst, const float* diff_pooled, Index block,
                                   const PoolWindows& windows, bool relu, double* sum, double* weighted) {
  with_block(block, relu, [&]<int kBlock, bool kRelu>() {
    max_pool_gradient_sums<kBlock, kRelu>(pooled_dst, diff_pooled, block, windows, sum, weighted);
  });
}

THERMO_VECTOR_CLONES
void max_pool_gradient_of_run(const float* src, const float* pooled_dst, const float* diff_pooled, float* diff_src,
                              Index block, const PoolWindows& windows, const float* high, const float* low,
                              const float* inverse, const float* offset, const float* slope, bool relu) {
  with_block_and_window(block, relu, windows.window, [&]<int kBlock, bool kRelu, int kWindow>() {
    max_pool_gradient_run<kBlock, kRelu, kWindow>(src, pooled_dst, diff_pooled, diff_src, block, windows, high, low,
                                                  inverse, offset, slope);
  });
}

// Per channel: offset = inverse_std·mean(g), slope = inverse_std·mean(g·x̂).
void gradient_coefficients(const std::vector<double>& sum, const std::vector<double>& weighted, const float* inverse,
                           const ChannelBlocks& layout, std::vector<float>& offsets, std::vector<float>& slopes) {
  const auto padded = static_cast<std::size_t>(layout.padded_channels());
  const auto count = static_cast<double>(layout.batch * layout.spatial);
  offsets.assign(padded, 0.0F);
  slopes.assign(padded, 0.0F);
  for (std::size_t c = 0; c < padded; ++c) {
    const auto scale = static_cast<double>(inverse[c]);
    offsets[c] = static_cast<float>(scale * sum[c] / count);
    slopes[c] = static_cast<float>(scale * weighted[c] / count);
  }
}

}  // namespace

void batch_statistics(const float* src, const ChannelBlocks& layout, int threads, std::span<double> mean,
                      std::span<double> variance) {
  // Shift each channel by its first value (sample 0, position 0): the sums then stay small.
  std::vector<float> shift(static_cast<std::size_t>(layout.padded_channels()), 0.0F);
  for (Index c = 0; c < layout.channels; ++c) {
    shift[static_cast<std::size_t>(c)] = src[(c / layout.block) * layout.block_stride + c % layout.block];
  }
  std::vector<double> sum, squares;
  channel_sums(layout, threads, sum, squares, [&](Index run, Index first, double* s, double* q) {
    shifted_sums_of_run(src + layout.run_offset(run), layout.spatial, layout.block, shift.data() + first, s, q);
  });
  const auto count = static_cast<double>(layout.batch * layout.spatial);
  for (Index c = 0; c < layout.channels; ++c) {
    const auto at = static_cast<std::size_t>(c);
    const double offset = sum[at] / count;
    mean[at] = static_cast<double>(shift[at]) + offset;
    variance[at] = std::max(squares[at] / count - offset * offset, 0.0);
  }
}

Normalisation make_normalisation(std::span<const double> mean, std::span<const double> variance, double eps,
                                 const ChannelBlocks& layout) {
  const auto padded = static_cast<std::size_t>(layout.padded_channels());
  Normalisation result{std::vector<float>(padded, 0.0F), std::vector<float>(padded, 0.0F),
                       std::vector<float>(padded, 0.0F)};
  for (std::size_t c = 0; c < static_cast<std::size_t>(layout.channels); ++c) {
    result.mean_high[c] = static_cast<float>(mean[c]);
    result.mean_low[c] = static_cast<float>(mean[c] - static_cast<double>(result.mean_high[c]));
    result.inverse_std[c] = static_cast<float>(1.0 / std::sqrt(variance[c] + eps));
  }
  return result;
}

void normalise(const float* src, float* dst, const ChannelBlocks& layout, const Normalisation& normalisation, bool relu,
               int threads) {
  const Index runs = layout.runs();
  const int team = team_size(layout, threads);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
  for (Index run = 0; run < runs; ++run) {
    const Index offset = layout.run_offset(run);
    const Index first = layout.first_channel(run);
    normalise_one_run(src + offset, dst + offset, layout.spatial, layout.block, normalisation.mean_high.data() + first,
                      normalisation.mean_low.data() + first, normalisation.inverse_std.data() + first, relu);
  }
}

void normalise_backward(const float* src, const float* diff_dst, float* diff_src, const ChannelBlocks& layout,
                        const Normalisation& normalisation, bool relu, int threads) {
  const float* high = normalisation.mean_high.data();
  const float* low = normalisation.mean_low.data();
  const float* inverse = normalisation.inverse_std.data();
  std::vector<double> sum, weighted;
  channel_sums(layout, threads, sum, weighted, [&](Index run, Index first, double* s, double* w) {
    const Index offset = layout.run_offset(run);
    gradient_sums_of_run(src + offset, diff_dst + offset, layout.spatial, layout.block, high + first, low + first,
                         inverse + first, relu, s, w);
  });
  std::vector<float> offsets, slopes;
  gradient_coefficients(sum, weighted, inverse, layout, offsets, slopes);
  const Index runs = layout.runs();
  const int team = team_size(layout, threads);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
  for (Index run = 0; run < runs; ++run) {
    const Index offset = layout.run_offset(run);
    const Index first = layout.first_channel(run);
    gradient_of_run(src + offset, diff_dst + offset, diff_src + offset, layout.spatial, layout.block, high + first,
                    low + first, inverse + first, offsets.data() + first, slopes.data() + first, relu);
  }
}

void normalise_max_pool(const float* src, float* dst, const ChannelBlocks& layout, const ChannelBlocks& pooled,
                        const PoolWindows& windows, const Normalisation& normalisation, bool relu, int threads) {
  const Index runs = layout.runs();
  const int team = team_size(layout, threads);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
  for (Index run = 0; run < runs; ++run) {
    const Index first = layout.first_channel(run);
    max_pool_one_run(src + layout.run_offset(run), dst + pooled.run_offset(run), layout.block, windows,
                     normalisation.mean_high.data() + first, normalisation.mean_low.data() + first,
                     normalisation.inverse_std.data() + first, relu);
  }
}

void normalise_max_pool_backward(const float* src, const float* pooled_dst, const float* diff_pooled, float* diff_src,
                                 const ChannelBlocks& layout, const ChannelBlocks& pooled, const PoolWindows& windows,
                                 const Normalisation& normalisation, bool relu, int threads) {
  const float* high = normalisation.mean_high.data();
  const float* low = normalisation.mean_low.data();
  const float* inverse = normalisation.inverse_std.data();
  std::vector<double> sum, weighted;
  channel_sums(layout, threads, sum, weighted, [&](Index run, Index, double* s, double* w) {
    max_pool_gradient_sums_of_run(pooled_dst + pooled.run_offset(run), diff_pooled + pooled.run_offset(run),
                                  layout.block, windows, relu, s, w);
  });
  std::vector<float> offsets, slopes;
  gradient_coefficients(sum, weighted, inverse, layout, offsets, slopes);
  const Index runs = layout.runs();
  const int team = team_size(layout, threads);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
  for (Index run = 0; run < runs; ++run) {
    const Index first = layout.first_channel(run);
    max_pool_gradient_of_run(src + layout.run_offset(run), pooled_dst + pooled.run_offset(run),
                             diff_pooled + pooled.run_offset(run), diff_src + layout.run_offset(run), layout.block,
                             windows, high + first, low + first, inverse + first, offsets.data() + first,
                             slopes.data() + first, relu);
  }
}

}  // namespace thermo::cpu
