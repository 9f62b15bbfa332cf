// Winograd F(m×m, 3×3) (Lavin and Gray, 2016): the output is cut in m×m tiles, each read from an
// α×α input tile d (α = m + 2); y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. The α² element-wise products, summed
// over input channels, are α² matrix products per chunk of tiles (dnnl_sgemm, one thread per
// chunk: the chunks are the parallel loop). Backward data is the forward on the flipped,
// transposed weights. The weight gradient is the transpose of the same linear map:
// dg = Gᵀ[Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)]G, the sum over tiles a matrix product with the tiles as its
// inner dimension, accumulated per thread and summed in thread order (the result depends on the
// thread count, not on timing). The matrices are constant: the transforms, unrolled, skip their
// zeros and ones. The functions that use AVX2 carry a target attribute (the plugin is built for
// baseline x86-64); callers check machine_supports() first.
#include "winograd_kernels.hpp"

#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace thermo::cpu::winograd {
namespace {

#define THERMO_AVX2 __attribute__((target("avx2,fma")))
#define THERMO_AVX2_INLINE THERMO_AVX2 __attribute__((always_inline)) inline

// The matrices of F(m×m, 3×3) on the points 0, ±1, ±2 (m = 4) or 0, ±1 (m = 2), and ∞.
template <int kOutput>
struct Transform;

template <>
struct Transform<2> {
  static constexpr int kInput = 4;
  static constexpr float kInputRows[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};       // Bᵀ
  static constexpr float kKernelRows[4][3] = {{1, 0, 0}, {0.5F, 0.5F, 0.5F}, {0.5F, -0.5F, 0.5F}, {0, 0, 1}};  // G
  static constexpr float kOutputRows[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};                                   // Aᵀ
  static constexpr float kOutputColumns[4][2] = {{1, 0}, {1, 1}, {1, -1}, {0, -1}};                            // A
};

template <>
struct Transform<4> {
  static constexpr int kInput = 6;
  static constexpr float kInputRows[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                             {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr float kKernelRows[6][3] = {{1.0F / 4, 0, 0},
                                              {-1.0F / 6, -1.0F / 6, -1.0F / 6},
                                              {-1.0F / 6, 1.0F / 6, -1.0F / 6},
                                              {1.0F / 24, 1.0F / 12, 1.0F / 6},
                                              {1.0F / 24, -1.0F / 12, 1.0F / 6},
                                              {0, 0, 1}};
  static constexpr float kOutputRows[4][6] = {
      {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
  static constexpr float kOutputColumns[6][4] = {{1, 0, 0, 0}, {1, 1, 1, 1},   {1, -1, 1, -1},
                                                 {1, 2, 4, 8}, {1, -2, 4, -8}, {0, 0, 0, 1}};
};

// The tile size the kernels use: F(4×4, 3×3), 4× fewer multiply-adds than direct convolution and
// 1.27× faster than F(2×2, 3×3) (2.25×) on ConvNet(64)'s step (AVX2 EPYC, 2 threads, convolutions alone: 1108
// against 1373-1427 ms), at ~10× its float32 error (2e-5 against 2e-6; winograd_kernels.hpp).
constexpr int kTile = 4;
using Matrices = Transform<kTile>;
constexpr int kAlpha = Matrices::kInput;
constexpr int kPoints = kAlpha * kAlpha;
constexpr Index kChunk = 64;  // tiles per chunk

// sum + weight · value, for a constant weight: nothing for 0, an add or subtract for ±1.
THERMO_AVX2_INLINE __m256 accumulate(__m256 sum, float weight, __m256 value) {
  if (weight == 0.0F) return sum;
  if (weight == 1.0F) return _mm256_add_ps(sum, value);
  if (weight == -1.0F) return _mm256_sub_ps(sum, value);
  return _mm256_fmadd_ps(_mm256_set1_ps(weight), value, sum);
}

// dst[r][c] = Σ_k matrix[r][k] · src[k][c] (transposed: Σ_k matrix[c][k] · src[r][k]), on vectors.
template <int kRows, int kInner, int kColumns>
THERMO_AVX2_INLINE void multiply_left(const float (&matrix)[kRows][kInner], const __m256 (&src)[kInner][kColumns],
                                      __m256 (&dst)[kRows][kColumns]) {
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int c = 0; c < kColumns; ++c) {
      __m256 sum = _mm256_setzero_ps();
#pragma GCC unroll 8
      for (int k = 0; k < kInner; ++k) sum = accumulate(sum, matrix[r][k], src[k][c]);
      dst[r][c] = sum;
    }
  }
}

template <int kRows, int kInner, int kColumns>
THERMO_AVX2_INLINE void multiply_right_transposed(const __m256 (&src)[kRows][kInner],
                                                  const float (&matrix)[kColumns][kInner],
                                                  __m256 (&dst)[kRows][kColumns]) {
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int c = 0; c < kColumns; ++c) {
      __m256 sum = _mm256_setzero_ps();
#pragma GCC unroll 8
      for (int k = 0; k < kInner; ++k) sum = accumulate(sum, matrix[c][k], src[r][k]);
      dst[r][c] = sum;
    }
  }
}

// The same on floats (the weights' transforms).
template <int kRows, int kInner, int kColumns>
void multiply(const float (&left)[kRows][kInner], const float (&right)[kInner][kColumns],
              float (&dst)[kRows][kColumns]) {
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kColumns; ++c) {
      float sum = 0.0F;
      for (int k = 0; k < kInner; ++k) sum += left[r][k] * right[k][c];
      dst[r][c] = sum;
    }
  }
}

template <int kRows, int kColumns>
void transpose(const float (&src)[kRows][kColumns], float (&dst)[kColumns][kRows]) {
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kColumns; ++c) dst[c][r] = src[r][c];
  }
}

struct Tiles {
  Index rows = 0;     // tiles per image, vertically: ceil(height / kTile)
  Index columns = 0;  // horizontally
  Index count = 0;    // over the batch
  explicit Tiles(const Geometry& geometry)
      : rows((geometry.height + kTile - 1) / kTile),
        columns((geometry.width + kTile - 1) / kTile),
        count(geometry.batch * rows * columns) {}
};

struct TilePlace {
  Index image = 0;
  Index y = 0;  // the tile's first output row and column
  Index x = 0;
};

TilePlace place_of(const Tiles& tiles, Index tile) {
  const Index per_image = tiles.rows * tiles.columns;
  const Index within = tile % per_image;
  return {tile / per_image, kTile * (within / tiles.columns), kTile * (within % tiles.columns)};
}

void check(dnnl_status_t status) {
  if (status != dnnl_success) {
    throw std::runtime_error("winograd: dnnl_sgemm failed with status " + std::to_string(status));
  }
}

// v[ξ][t][c] = (Bᵀ d B)[ξ] for the α×α input tile of channels-last src around tile t (zero outside
// the image), each of the α² points a row of `channels` in a block of kChunk rows.
THERMO_AVX2 void transform_input(const float* src, const Geometry& geometry, Index channels, const TilePlace& place,
                                 Index t, float* v) {
  const Index point_stride = kChunk * channels;
  const float* image = src + place.image * geometry.height * geometry.width * channels;
  for (Index c = 0; c < channels; c += 8) {
    __m256 d[kAlpha][kAlpha];
    for (int i = 0; i < kAlpha; ++i) {
      const Index y = place.y - 1 + i;
      for (int j = 0; j < kAlpha; ++j) {
        const Index x = place.x - 1 + j;
        const bool inside = y >= 0 && y < geometry.height && x >= 0 && x < geometry.width;
        d[i][j] = inside ? _mm256_loadu_ps(image + (y * geometry.width + x) * channels + c) : _mm256_setzero_ps();
      }
    }
    __m256 rows[kAlpha][kAlpha];  // Bᵀ d
    multiply_left(Matrices::kInputRows, d, rows);
    __m256 points[kAlpha][kAlpha];  // (Bᵀ d) B
    multiply_right_transposed(rows, Matrices::kInputRows, points);
    for (int point = 0; point < kPoints; ++point) {
      _mm256_storeu_ps(v + point * point_stride + t * channels + c, points[point / kAlpha][point % kAlpha]);
    }
  }
}

// The output tile t of channels-last dst = Aᵀ m[·][t] A (rows and columns outside the image are
// not written).
THERMO_AVX2 void transform_output(const float* m, Index t, const Geometry& geometry, Index channels,
                                  const TilePlace& place, float* dst) {
  const Index point_stride = kChunk * channels;
  float* image = dst + place.image * geometry.height * geometry.width * channels;
  const int rows_inside = static_cast<int>(std::min<Index>(kTile, geometry.height - place.y));
  const int columns_inside = static_cast<int>(std::min<Index>(kTile, geometry.width - place.x));
  for (Index c = 0; c < channels; c += 8) {
    __m256 a[kAlpha][kAlpha];
    for (int point = 0; point < kPoints; ++point) {
      a[point / kAlpha][point % kAlpha] = _mm256_loadu_ps(m + point * point_stride + t * channels + c);
    }
    __m256 rows[kTile][kAlpha];  // Aᵀ a
    multiply_left(Matrices::kOutputRows, a, rows);
    __m256 out[kTile][kTile];  // (Aᵀ a) A
    multiply_right_transposed(rows, Matrices::kOutputRows, out);
    for (int i = 0; i < rows_inside; ++i) {
      float* row = image + ((place.y + i) * geometry.width + place.x) * channels + c;
      for (int j = 0; j < columns_inside; ++j) _mm256_storeu_ps(row + j * channels, out[i][j]);
    }
  }
}

// m[ξ][t] = (A dy Aᵀ)[ξ] for the output tile t of channels-last diff_dst (zero outside the image).
THERMO_AVX2 void transform_output_gradient(const float* diff_dst, const Geometry& geometry, Index channels,
                                           const TilePlace& place, Index t, float* m) {
  const Index point_stride = kChunk * channels;
  const float* image = diff_dst + place.image * geometry.height * geometry.width * channels;
  const auto& columns = Matrices::kOutputColumns;
  for (Index c = 0; c < channels; c += 8) {
    __m256 dy[kTile][kTile];
    for (int i = 0; i < kTile; ++i) {
      for (int j = 0; j < kTile; ++j) {
        const bool inside = place.y + i < geometry.height && place.x + j < geometry.width;
        dy[i][j] = inside ? _mm256_loadu_ps(image + ((place.y + i) * geometry.width + place.x + j) * channels + c)
                          : _mm256_setzero_ps();
      }
    }
    __m256 rows[kAlpha][kTile];  // A dy
    multiply_left(columns, dy, rows);
    __m256 points[kAlpha][kAlpha];  // (A dy) Aᵀ
    multiply_right_transposed(rows, columns, points);
    for (int point = 0; point < kPoints; ++point) {
      _mm256_storeu_ps(m + point * point_stride + t * channels + c, points[point / kAlpha][point % kAlpha]);
    }
  }
}

// u[ξ][o][i] = (G g Gᵀ)[ξ] for the 3×3 kernel from input channel i to output channel o of a pass.
// flipped: the pass is backward data, whose kernel (o, i) is the original (i, o) rotated by 180°.
void transform_weights(const float* weight, Index pass_out, Index pass_in, bool flipped, float* u, int threads) {
  float kernel_columns[3][kAlpha];  // Gᵀ
  transpose(Matrices::kKernelRows, kernel_columns);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (Index o = 0; o < pass_out; ++o) {
    for (Index i = 0; i < pass_in; ++i) {
      float g[3][3];
      for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) {
          g[a][b] = flipped ? weight[(i * pass_out + o) * 9 + Index{2 - a} * 3 + (2 - b)]
                            : weight[(o * pass_in + i) * 9 + Index{a} * 3 + b];
        }
      }
      float rows[kAlpha][3];  // G g
      multiply(Matrices::kKernelRows, g, rows);
      float points[kAlpha][kAlpha];  // (G g) Gᵀ
      multiply(rows, kernel_columns, points);
      for (int point = 0; point < kPoints; ++point) {
        u[(point * pass_out + o) * pass_in + i] = points[point / kAlpha][point % kAlpha];
      }
    }
  }
}

int team_size(int threads, Index chunks) {
  return static_cast<int>(std::clamp<Index>(threads, 1, chunks));
}

// dst = the convolution of src (in_channels) with the transformed weights u[ξ][out][in].
void convolve(const float* src, Index in_channels, const float* u, float* dst, Index out_channels,
              const Geometry& image_geometry, int threads) {
  const Tiles tiles(image_geometry);
  const Index chunks = (tiles.count + kChunk - 1) / kChunk;
#pragma omp parallel num_threads(team_size(threads, chunks))
  {
    std::vector<float> v(static_cast<std::size_t>(kPoints * kChunk * in_channels));
    std::vector<float> m(static_cast<std::size_t>(kPoints * kChunk * out_channels));
#pragma omp for schedule(static)
    for (Index chunk = 0; chunk < chunks; ++chunk) {
      const Index first = chunk * kChunk;
      const Index count = std::min(kChunk, tiles.count - first);
      for (Index t = 0; t < count; ++t) {
        transform_input(src, image_geometry, in_channels, place_of(tiles, first + t), t, v.data());
      }
      for (int point = 0; point < kPoints; ++point) {
        check(dnnl_sgemm('N', 'T', count, out_channels, in_channels, 1.0F, v.data() + point * kChunk * in_channels,
                         in_channels, u + point * out_channels * in_channels, in_channels, 0.0F,
                         m.data() + point * kChunk * out_channels, out_channels));
      }
      for (Index t = 0; t < count; ++t) {
        transform_output(m.data(), t, image_geometry, out_channels, place_of(tiles, first + t), dst);
      }
    }
  }
}

}  // namespace

bool machine_supports() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}

const char* algorithm_name() {
  return kTile == 4 ? "F(4x4,3x3)" : "F(2x2,3x3)";
}

bool fits(const Conv2dSpec& spec) {
  return spec.kernel == 3 && spec.stride == 1 && spec.padding == 1 && spec.in_channels >= 32 &&
         spec.out_channels >= 32 && spec.in_channels % 8 == 0 && spec.out_channels % 8 == 0;
}

void forward(const float* src, const float* weight, float* dst, const Geometry& geometry, int threads) {
  std::vector<float> u(static_cast<std::size_t>(kPoints * geometry.out_channels * geometry.in_channels));
  transform_weights(weight, geometry.out_channels, geometry.in_channels, false, u.data(), threads);
  convolve(src, geometry.in_channels, u.data(), dst, geometry.out_channels, geometry, threads);
}

void backward_data(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry, int threads) {
  std::vector<float> u(static_cast<std::size_t>(kPoints * geometry.out_channels * geometry.in_channels));
  transform_weights(weight, geometry.in_channels, geometry.out_channels, true, u.data(), threads);
  convolve(diff_dst, geometry.out_channels, u.data(), diff_src, geometry.in_channels, geometry, threads);
}

void backward_weights(const float* src, const float* diff_dst, float* diff_weight, const Geometry& geometry,
                      int threads) {
  const Index in_channels = geometry.in_channels;
  const Index out_channels = geometry.out_channels;
  const Index weights = out_channels * in_channels;
  const Tiles tiles(geometry);
  const Index chunks = (tiles.count + kChunk - 1) / kChunk;
  const int team = team_size(threads, chunks);
  // Per thread: du[ξ][out][in] = Σ over its tiles of m[ξ]ᵀ v[ξ].
  std::vector<std::vector<float>> sums(static_cast<std::size_t>(team));
#pragma omp parallel num_threads(team)
  {
    auto& du = sums[static_cast<std::size_t>(omp_get_thread_num())];
    du.assign(static_cast<std::size_t>(kPoints * weights), 0.0F);
    std::vector<float> v(static_cast<std::size_t>(kPoints * kChunk * in_channels));
    std::vector<float> m(static_cast<std::size_t>(kPoints * kChunk * out_channels));
#pragma omp for schedule(static)
    for (Index chunk = 0; chunk < chunks; ++chunk) {
      const Index first = chunk * kChunk;
      const Index count = std::min(kChunk, tiles.count - first);
      for (Index t = 0; t < count; ++t) {
        const TilePlace place = place_of(tiles, first + t);
        transform_input(src, geometry, in_channels, place, t, v.data());
        transform_output_gradient(diff_dst, geometry, out_channels, place, t, m.data());
      }
      for (int point = 0; point < kPoints; ++point) {
        check(dnnl_sgemm('T', 'N', out_channels, in_channels, count, 1.0F, m.data() + point * kChunk * out_channels,
                         out_channels, v.data() + point * kChunk * in_channels, in_channels, 1.0F,
                         du.data() + point * weights, in_channels));
      }
    }
  }
  std::vector<float>& total = sums.front();
  for (std::size_t thread = 1; thread < sums.size(); ++thread) {
    const std::vector<float>& part = sums[thread];
#pragma omp parallel for num_threads(team) schedule(static)
    for (Index index = 0; index < kPoints * weights; ++index) total[index] += part[index];
  }
  float kernel_columns[3][kAlpha];  // Gᵀ
  transpose(Matrices::kKernelRows, kernel_columns);
  // diff_weight[o][i] = Gᵀ du[·][o][i] G.
#pragma omp parallel for num_threads(team) schedule(static)
  for (Index w = 0; w < weights; ++w) {
    float du[kAlpha][kAlpha];
    for (int point = 0; point < kPoints; ++point) du[point / kAlpha][point % kAlpha] = total[point * weights + w];
    float rows[3][kAlpha];  // Gᵀ du
    multiply(kernel_columns, du, rows);
    float kernel[3][3];  // (Gᵀ du) G
    multiply(rows, Matrices::kKernelRows, kernel);
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) diff_weight[w * 9 + a * 3 + b] = kernel[a][b];
    }
  }
}

}  // namespace thermo::cpu::winograd
