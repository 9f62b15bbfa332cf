// Register-blocked direct 3×3 convolution on AVX-512: 16 output pixels × one vector of output
// channels stay in registers while each input value is broadcast once for its three horizontal
// taps. Images whose width is a multiple of 16 are read in place; others through a zero-padded
// channels-last copy, filled a row ahead of the arithmetic. Backward data is the same kernel on
// the transposed, flipped weights. The functions that use AVX-512 carry a target attribute (the
// plugin is built for baseline x86-64); callers check machine_supports() first.
#include "thin_conv_kernels.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace thermo::cpu::thin_conv {
namespace {

#define THERMO_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define THERMO_AVX512_INLINE THERMO_AVX512 __attribute__((always_inline)) inline

constexpr int kBlock = 16;  // output pixels per register block of the forward kernel

// One vector of output channels: 8 (256-bit) or 16 (512-bit) floats.
template <int kLanes>
struct Lanes;

template <>
struct Lanes<8> {
  using Vector = __m256;
  THERMO_AVX512_INLINE static Vector zero() { return _mm256_setzero_ps(); }
  THERMO_AVX512_INLINE static Vector load(const float* source) { return _mm256_loadu_ps(source); }
  THERMO_AVX512_INLINE static Vector broadcast(const float* source) { return _mm256_broadcast_ss(source); }
  THERMO_AVX512_INLINE static Vector fma(Vector a, Vector b, Vector c) { return _mm256_fmadd_ps(a, b, c); }
  THERMO_AVX512_INLINE static void store(float* destination, Vector value) { _mm256_storeu_ps(destination, value); }
};

template <>
struct Lanes<16> {
  using Vector = __m512;
  THERMO_AVX512_INLINE static Vector zero() { return _mm512_setzero_ps(); }
  THERMO_AVX512_INLINE static Vector load(const float* source) { return _mm512_loadu_ps(source); }
  THERMO_AVX512_INLINE static Vector broadcast(const float* source) { return _mm512_set1_ps(*source); }
  THERMO_AVX512_INLINE static Vector fma(Vector a, Vector b, Vector c) { return _mm512_fmadd_ps(a, b, c); }
  THERMO_AVX512_INLINE static void store(float* destination, Vector value) { _mm512_storeu_ps(destination, value); }
};

Index round_up(Index value, Index multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// A zero-padded channels-last copy of one image: (height + 2) rows of `columns` pixels
// (width + 2 rounded up so that every register block reads inside it), `channels` floats each.
// The kernels copy each source row just before they first need it and prefetch the next one, so
// that the copy overlaps the arithmetic instead of stalling on memory image by image.
struct PaddedImage {
  Index channels = 0;
  Index columns = 0;
  Index height = 0;
  Index width = 0;
  Strides strides;
  const float* source = nullptr;
  std::vector<float> values;

  PaddedImage(Index channel_count, Index height_, Index width_, const Strides& source_strides)
      : channels(channel_count),
        columns(round_up(width_, kBlock) + 2),
        height(height_),
        width(width_),
        strides(source_strides),
        values(static_cast<std::size_t>((height_ + 2) * columns * channel_count), 0.0F) {}

  void start(const float* image) { source = image; }

  // Copies source row h into padded row h + 1 (the border stays zero: only the interior is ever
  // written) and prefetches source row h + 1.
  void copy_row(Index h) {
    float* row = values.data() + ((h + 1) * columns + 1) * channels;
    const float* from = source + h * width * strides.pixel;
    if (strides.channel == 1 && strides.pixel == channels) {
      std::memcpy(row, from, static_cast<std::size_t>(width * channels) * sizeof(float));
    } else {
      for (Index w = 0; w < width; ++w) {
        for (Index c = 0; c < channels; ++c) row[w * channels + c] = from[w * strides.pixel + c * strides.channel];
      }
    }
    if (h + 1 < height) prefetch_row(h + 1);
  }
  void prefetch_row(Index h) const {
    const char* from = reinterpret_cast<const char*>(source + h * width * strides.pixel);
    const bool channels_last = strides.channel == 1;
    const Index row_bytes = static_cast<Index>(sizeof(float)) * (channels_last ? width * channels : width);
    for (Index c = 0; c < (channels_last ? 1 : channels); ++c) {
      const char* channel_row = from + static_cast<Index>(sizeof(float)) * c * strides.channel;
      for (Index offset = 0; offset < row_bytes; offset += 64) _mm_prefetch(channel_row + offset, _MM_HINT_T0);
    }
  }
  [[nodiscard]] const float* row(Index padded_row) const { return values.data() + padded_row * columns * channels; }
};

// Weights as [kh][kw][in][out] (forward) or, for backward data, the forward weights of the
// transposed convolution: [kh][kw][out][in] of the kernel flipped in both directions.
std::vector<float> pack_forward(const float* weight, Index in_channels, Index out_channels, bool transposed_flipped) {
  std::vector<float> packed(static_cast<std::size_t>(9 * in_channels * out_channels));
  for (Index o = 0; o < out_channels; ++o) {
    for (Index i = 0; i < in_channels; ++i) {
      for (Index kh = 0; kh < 3; ++kh) {
        for (Index kw = 0; kw < 3; ++kw) {
          const float value = weight[((o * in_channels + i) * 3 + kh) * 3 + kw];
          const Index at = transposed_flipped ? (((2 - kh) * 3 + (2 - kw)) * out_channels + o) * in_channels + i
                                              : ((kh * 3 + kw) * in_channels + i) * out_channels + o;
          packed[static_cast<std::size_t>(at)] = value;
        }
      }
    }
  }
  return packed;
}

// The kBlock dst pixels from `dst` on (the first `valid` of them stored), output channels
// [first, first + kLanes). rows[kh] points at the input pixel left of the block's first one in
// input row h − 1 + kh, nullptr where that row is padding; input pixel j of a row (0 ≤ j ≤
// kBlock + 1) is at rows[kh] + j·pixel, its channel i a further i·channel on. kLeft / kRight: the
// first / last of those pixels is padding (the block starts / ends the row).
template <int kLanes, bool kLeft, bool kRight>
THERMO_AVX512_INLINE void forward_block(const float* const* rows, Index pixel, Index channel, Index in_channels,
                                        const float* packed, Index out_channels, Index first, Index valid, float* dst) {
  using L = Lanes<kLanes>;
  typename L::Vector sum[kBlock];
#pragma GCC unroll 16
  for (int r = 0; r < kBlock; ++r) sum[r] = L::zero();
  for (Index kh = 0; kh < 3; ++kh) {
    if (rows[kh] == nullptr) continue;
    const float* taps = packed + kh * 3 * in_channels * out_channels + first;
    for (Index i = 0; i < in_channels; ++i) {
      const float* input = rows[kh] + i * channel;
      const auto left = L::load(taps + i * out_channels);
      const auto middle = L::load(taps + (in_channels + i) * out_channels);
      const auto right = L::load(taps + (2 * in_channels + i) * out_channels);
      // Input pixel j feeds output pixel j − kw for kw = 0, 1, 2.
#pragma GCC unroll 18
      for (int j = 0; j < kBlock + 2; ++j) {
        if ((kLeft && j == 0) || (kRight && j == kBlock + 1)) continue;
        const auto value = L::broadcast(input + j * pixel);
        if (j < kBlock) sum[j] = L::fma(value, left, sum[j]);
        if (j >= 1 && j - 1 < kBlock) sum[j - 1] = L::fma(value, middle, sum[j - 1]);
        if (j >= 2) sum[j - 2] = L::fma(value, right, sum[j - 2]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < kBlock; ++r) {
    if (r < valid) L::store(dst + r * out_channels + first, sum[r]);
  }
}

// One image through the padded copy (any width).
template <int kLanes>
THERMO_AVX512 void forward_image(PaddedImage& src, const float* packed, Index out_channels, Index height, Index width,
                                 float* dst) {
  src.prefetch_row(0);
  src.copy_row(0);
  const Index in_channels = src.channels;
  for (Index h = 0; h < height; ++h) {
    if (h + 1 < height) src.copy_row(h + 1);  // output row h reads input rows h − 1 .. h + 1
    float* dst_row = dst + h * width * out_channels;
    for (Index w0 = 0; w0 < width; w0 += kBlock) {
      const float* rows[3] = {src.row(h) + w0 * in_channels, src.row(h + 1) + w0 * in_channels,
                              src.row(h + 2) + w0 * in_channels};
      for (Index first = 0; first < out_channels; first += kLanes) {
        forward_block<kLanes, false, false>(rows, in_channels, 1, in_channels, packed, out_channels, first,
                                            std::min<Index>(kBlock, width - w0), dst_row + w0 * out_channels);
      }
    }
  }
}

// One image read in place: widths that are a multiple of kBlock.
template <int kLanes>
THERMO_AVX512 void forward_image_in_place(const float* src, const Strides& strides, Index in_channels,
                                          const float* packed, Index out_channels, Index height, Index width,
                                          float* dst) {
  for (Index h = 0; h < height; ++h) {
    float* dst_row = dst + h * width * out_channels;
    for (Index w0 = 0; w0 < width; w0 += kBlock) {
      const float* rows[3];
      for (Index kh = 0; kh < 3; ++kh) {
        const Index input_row = h - 1 + kh;
        rows[kh] = input_row < 0 || input_row >= height ? nullptr : src + (input_row * width + w0 - 1) * strides.pixel;
      }
      const bool left = w0 == 0;
      const bool right = w0 + kBlock == width;
      for (Index first = 0; first < out_channels; first += kLanes) {
        float* block = dst_row + w0 * out_channels;
        if (left && right) {
          forward_block<kLanes, true, true>(rows, strides.pixel, strides.channel, in_channels, packed, out_channels,
                                            first, kBlock, block);
        } else if (left) {
          forward_block<kLanes, true, false>(rows, strides.pixel, strides.channel, in_channels, packed, out_channels,
                                             first, kBlock, block);
        } else if (right) {
          forward_block<kLanes, false, true>(rows, strides.pixel, strides.channel, in_channels, packed, out_channels,
                                             first, kBlock, block);
        } else {
          forward_block<kLanes, false, false>(rows, strides.pixel, strides.channel, in_channels, packed, out_channels,
                                              first, kBlock, block);
        }
      }
    }
  }
}

// dst (channels-last, out_channels) = the 3×3 convolution of src with `packed` ([kh][kw][in][out]).
void convolve(const float* src, const Strides& src_strides, Index in_channels, const float* packed, float* dst,
              Index out_channels, Index batch, Index height, Index width, int threads) {
  const int team = static_cast<int>(std::clamp<Index>(threads, 1, batch));
  const bool in_place = width % kBlock == 0;
  const bool wide = out_channels % 16 == 0;
#pragma omp parallel num_threads(team) if (team > 1)
  {
    // Only widths the in-place kernel cannot read need the padded copy (allocated and zeroed here).
    std::optional<PaddedImage> image;
    if (!in_place) image.emplace(in_channels, height, width, src_strides);
#pragma omp for schedule(static)
    for (Index n = 0; n < batch; ++n) {
      const float* src_image = src + n * src_strides.image;
      float* dst_image = dst + n * height * width * out_channels;
      if (in_place) {
        if (wide) {
          forward_image_in_place<16>(src_image, src_strides, in_channels, packed, out_channels, height, width,
                                     dst_image);
        } else {
          forward_image_in_place<8>(src_image, src_strides, in_channels, packed, out_channels, height, width,
                                    dst_image);
        }
        continue;
      }
      image->start(src_image);
      if (wide) {
        forward_image<16>(*image, packed, out_channels, height, width, dst_image);
      } else {
        forward_image<8>(*image, packed, out_channels, height, width, dst_image);
      }
    }
  }
}

bool three_by_three_same(const Conv2dSpec& spec) {
  return spec.kernel == 3 && spec.stride == 1 && spec.padding == 1;
}

}  // namespace

bool machine_supports() {
  static const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  return supported;
}

bool fits_forward(const Conv2dSpec& spec) {
  return three_by_three_same(spec) && spec.in_channels <= 8 && (spec.out_channels == 8 || spec.out_channels == 16);
}

bool fits_backward_data(const Conv2dSpec& spec) {
  return three_by_three_same(spec) && spec.in_channels == 8 && (spec.out_channels == 8 || spec.out_channels == 16);
}

void forward(const float* src, const Strides& src_strides, const float* weight, float* dst, const Geometry& geometry,
             int threads) {
  const auto packed = pack_forward(weight, geometry.in_channels, geometry.out_channels, false);
  convolve(src, src_strides, geometry.in_channels, packed.data(), dst, geometry.out_channels, geometry.batch,
           geometry.height, geometry.width, threads);
}

void backward_data(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry, int threads) {
  const auto packed = pack_forward(weight, geometry.in_channels, geometry.out_channels, true);
  const Index pixels = geometry.height * geometry.width;
  const Strides diff_dst_strides{pixels * geometry.out_channels, 1, geometry.out_channels};
  convolve(diff_dst, diff_dst_strides, geometry.out_channels, packed.data(), diff_src, geometry.in_channels,
           geometry.batch, geometry.height, geometry.width, threads);
}

}  // namespace thermo::cpu::thin_conv
