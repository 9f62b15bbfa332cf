// Winograd F(m×m, 3×3) (Lavin and Gray, 2016): the output is cut in m×m tiles, each read from an
// α×α input tile d (α = m + 2); y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. The α² element-wise products, summed
// over input channels, are α² matrix products per chunk of tiles (one thread per chunk: the chunks
// are the parallel loop), on register-blocked kernels of this file for few channels and on
// dnnl_sgemm for many. Backward data is the forward on the flipped, transposed weights. The weight
// gradient is the transpose of the same linear map: dg = Gᵀ[Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)]G, the sum
// over tiles a matrix product with the tiles as its inner dimension, accumulated per thread and
// summed in thread order (the result depends on the thread count, not on timing). The matrices are
// constant: the transforms, unrolled, skip their zeros and ones. The functions that use AVX2 carry
// a target attribute (the plugin is built for baseline x86-64); callers check machine_supports()
// first.
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

constexpr Index kFewestChannels = 16;  // in and out, for any tile size (fits())
constexpr Index kWideChannels = 32;    // in and out, for F(4×4) (wide())

// The shapes of F(kTile×kTile, 3×3): F(4×4) (4× fewer multiply-adds than direct convolution, float32
// error 2e-5) for 32+ channels in and out, F(2×2) (2.25×, error 2e-6 like direct) below (wide()).
template <int kTile>
struct Shape {
  using Matrices = Transform<kTile>;
  static constexpr int kAlpha = Matrices::kInput;
  static constexpr int kPoints = kAlpha * kAlpha;
};

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

template <int kTile>
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

template <int kTile>
TilePlace place_of(const Tiles<kTile>& tiles, Index tile) {
  const Index per_image = tiles.rows * tiles.columns;
  const Index within = tile % per_image;
  return {tile / per_image, kTile * (within / tiles.columns), kTile * (within % tiles.columns)};
}

void check(dnnl_status_t status) {
  if (status != dnnl_success) {
    throw std::runtime_error("winograd: dnnl_sgemm failed with status " + std::to_string(status));
  }
}

// Whether tile rows (or columns) first, first + 1, … lie inside [0, size).
template <int kCount>
struct Inside {
  bool all = true;
  bool each[kCount] = {};
  Inside(Index first, Index size) {
    for (int k = 0; k < kCount; ++k) {
      each[k] = first + k >= 0 && first + k < size;
      all = all && each[k];
    }
  }
};

// d[i][j] = the channels c..c+7 of pixel (i, j) of the kRows × kColumns window whose first pixel is
// at offset `corner` of a channels-last image (zero outside it). kClipped: the window crosses the
// image's edge (the others load unconditionally, in registers).
template <int kRows, int kColumns, bool kClipped>
THERMO_AVX2_INLINE void load_window(const float* image, Index corner, Index row_stride, Index channels,
                                    const Inside<kRows>& rows, const Inside<kColumns>& columns, Index c,
                                    __m256 (&d)[kRows][kColumns]) {
#pragma GCC unroll 8
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < kColumns; ++j) {
      const bool inside = !kClipped || (rows.each[i] && columns.each[j]);
      d[i][j] = inside ? _mm256_loadu_ps(image + corner + i * row_stride + j * channels + c) : _mm256_setzero_ps();
    }
  }
}

// transform_input's work on the window at `corner` (kClipped: it crosses the image's edge).
template <int kTile, bool kClipped>
THERMO_AVX2_INLINE void transform_input_window(const float* image, Index corner, Index row_stride, Index channels,
                                               const Inside<Shape<kTile>::kAlpha>& rows,
                                               const Inside<Shape<kTile>::kAlpha>& columns, float* v,
                                               Index point_stride) {
  using S = Shape<kTile>;
  constexpr int kAlpha = S::kAlpha;
  for (Index c = 0; c < channels; c += 8) {
    __m256 d[kAlpha][kAlpha];
    load_window<kAlpha, kAlpha, kClipped>(image, corner, row_stride, channels, rows, columns, c, d);
    __m256 product_rows[kAlpha][kAlpha];  // Bᵀ d
    multiply_left(S::Matrices::kInputRows, d, product_rows);
    __m256 points[kAlpha][kAlpha];  // (Bᵀ d) B
    multiply_right_transposed(product_rows, S::Matrices::kInputRows, points);
#pragma GCC unroll 64
    for (int point = 0; point < S::kPoints; ++point) {
      _mm256_storeu_ps(v + point * point_stride + c, points[point / kAlpha][point % kAlpha]);
    }
  }
}

// v[ξ][t][c] = (Bᵀ d B)[ξ] for the α×α input tile of channels-last src around tile t (zero outside
// the image), each of the α² points a row of `channels` in a block of `chunk` rows.
template <int kTile>
THERMO_AVX2 void transform_input(const float* src, const Geometry& geometry, Index channels, const TilePlace& place,
                                 Index t, Index chunk, float* v) {
  constexpr int kAlpha = Shape<kTile>::kAlpha;
  const float* image = src + place.image * geometry.height * geometry.width * channels;
  const Index row_stride = geometry.width * channels;
  const Index corner = (place.y - 1) * row_stride + (place.x - 1) * channels;
  const Inside<kAlpha> rows(place.y - 1, geometry.height);
  const Inside<kAlpha> columns(place.x - 1, geometry.width);
  float* tile = v + t * channels;
  const Index point_stride = chunk * channels;
  if (rows.all && columns.all) {
    transform_input_window<kTile, false>(image, corner, row_stride, channels, rows, columns, tile, point_stride);
  } else {
    transform_input_window<kTile, true>(image, corner, row_stride, channels, rows, columns, tile, point_stride);
  }
}

// The output tile t of channels-last dst = Aᵀ m[·][t] A (rows and columns outside the image are
// not written).
template <int kTile>
THERMO_AVX2 void transform_output(const float* m, Index t, Index chunk, const Geometry& geometry, Index channels,
                                  const TilePlace& place, float* dst) {
  using S = Shape<kTile>;
  constexpr int kAlpha = S::kAlpha;
  const Index point_stride = chunk * channels;
  float* image = dst + place.image * geometry.height * geometry.width * channels;
  const Inside<kTile> rows(place.y, geometry.height);
  const Inside<kTile> columns(place.x, geometry.width);
  const bool whole = rows.all && columns.all;
  for (Index c = 0; c < channels; c += 8) {
    __m256 a[kAlpha][kAlpha];
#pragma GCC unroll 64
    for (int point = 0; point < S::kPoints; ++point) {
      a[point / kAlpha][point % kAlpha] = _mm256_loadu_ps(m + point * point_stride + t * channels + c);
    }
    __m256 product_rows[kTile][kAlpha];  // Aᵀ a
    multiply_left(S::Matrices::kOutputRows, a, product_rows);
    __m256 out[kTile][kTile];  // (Aᵀ a) A
    multiply_right_transposed(product_rows, S::Matrices::kOutputRows, out);
#pragma GCC unroll 8
    for (int i = 0; i < kTile; ++i) {
      float* row = image + ((place.y + i) * geometry.width + place.x) * channels + c;
#pragma GCC unroll 8
      for (int j = 0; j < kTile; ++j) {
        if (whole || (rows.each[i] && columns.each[j])) _mm256_storeu_ps(row + j * channels, out[i][j]);
      }
    }
  }
}

// m[ξ][t] = (A dy Aᵀ)[ξ] for the output tile t of channels-last diff_dst (zero outside the image).
template <int kTile, bool kClipped>
THERMO_AVX2_INLINE void transform_output_gradient_window(const float* image, Index corner, Index row_stride,
                                                         Index channels, const Inside<kTile>& rows,
                                                         const Inside<kTile>& columns, float* m, Index point_stride) {
  using S = Shape<kTile>;
  constexpr int kAlpha = S::kAlpha;
  const auto& matrix = S::Matrices::kOutputColumns;
  for (Index c = 0; c < channels; c += 8) {
    __m256 dy[kTile][kTile];
    load_window<kTile, kTile, kClipped>(image, corner, row_stride, channels, rows, columns, c, dy);
    __m256 product_rows[kAlpha][kTile];  // A dy
    multiply_left(matrix, dy, product_rows);
    __m256 points[kAlpha][kAlpha];  // (A dy) Aᵀ
    multiply_right_transposed(product_rows, matrix, points);
#pragma GCC unroll 64
    for (int point = 0; point < S::kPoints; ++point) {
      _mm256_storeu_ps(m + point * point_stride + c, points[point / kAlpha][point % kAlpha]);
    }
  }
}

template <int kTile>
THERMO_AVX2 void transform_output_gradient(const float* diff_dst, const Geometry& geometry, Index channels,
                                           const TilePlace& place, Index t, Index chunk, float* m) {
  const float* image = diff_dst + place.image * geometry.height * geometry.width * channels;
  const Index row_stride = geometry.width * channels;
  const Index corner = place.y * row_stride + place.x * channels;
  const Inside<kTile> rows(place.y, geometry.height);
  const Inside<kTile> columns(place.x, geometry.width);
  float* tile = m + t * channels;
  const Index point_stride = chunk * channels;
  if (rows.all && columns.all) {
    transform_output_gradient_window<kTile, false>(image, corner, row_stride, channels, rows, columns, tile,
                                                   point_stride);
  } else {
    transform_output_gradient_window<kTile, true>(image, corner, row_stride, channels, rows, columns, tile,
                                                  point_stride);
  }
}

// Products of at most this many weights per point (in × out) run on this file's register kernels.
constexpr Index kRegisterProductsLimit = 64 * 64;
bool register_products(Index in_channels, Index out_channels) {
  return in_channels * out_channels <= kRegisterProductsLimit;
}

// Where a point's in × out matrix (of transformed weights, or of their gradient) keeps input channel
// i's element for output channel o: [i][o] for the register kernels (output channels in vectors),
// [o][i] for dnnl_sgemm (its transposed operand, as before the register kernels came, so that the
// wide layers' products and results stay those measured; [i][o] was not faster there).
Index point_index(Index i, Index o, Index in_channels, Index out_channels) {
  return register_products(in_channels, out_channels) ? i * out_channels + o : o * in_channels + i;
}

// u[ξ][point_index(i, o)] = (G g Gᵀ)[ξ] for the 3×3 kernel from input channel i to output channel o
// of a pass.
// flipped: the pass is backward data, whose kernel (o, i) is the original (i, o) rotated by 180°.
template <int kTile>
void transform_weights(const float* weight, Index pass_out, Index pass_in, bool flipped, float* u, int threads) {
  using S = Shape<kTile>;
  constexpr int kAlpha = S::kAlpha;
  float kernel_columns[3][kAlpha];  // Gᵀ
  transpose(S::Matrices::kKernelRows, kernel_columns);
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
      multiply(S::Matrices::kKernelRows, g, rows);
      float points[kAlpha][kAlpha];  // (G g) Gᵀ
      multiply(rows, kernel_columns, points);
      for (int point = 0; point < S::kPoints; ++point) {
        u[point * pass_in * pass_out + point_index(i, o, pass_in, pass_out)] = points[point / kAlpha][point % kAlpha];
      }
    }
  }
}

// The transformed products of few channels run on the kernels below, kRows rows (tiles, or input
// channels for the weight gradient) by 8·kVectors output channels held in registers: with u[ξ] at
// most kRegisterProductsLimit floats (16 KB) what they read sits in the nearest caches, and
// dnnl_sgemm's packing costs more than such small products (F(2×2) on it was slower than direct
// convolution at ConvNet(8)'s 16→32). Larger products run on dnnl_sgemm, which blocks them for the
// caches.
constexpr int kMostRows = 6;  // 6 × 2 accumulators, 2 weight vectors, a broadcast: 15 of 16 registers

// c[r][o..] = Σ_k a[r·row_stride + k·inner_stride] · b[k][o..] for kRows rows of c and 8·kVectors
// of its columns (b and c row-major with `out` columns); kAccumulate: added to c, else written.
// The forward products are m = v · u (rows: tiles, k: input channels), the weight gradient's
// du += vᵀ · m (rows: input channels, k: tiles).
template <int kRows, int kVectors, bool kAccumulate>
THERMO_AVX2_INLINE void multiply_rows(const float* a, Index row_stride, Index inner_stride, Index inner, const float* b,
                                      Index out, float* c) {
  __m256 sums[kRows][kVectors];
  for (int r = 0; r < kRows; ++r) {
    for (int k = 0; k < kVectors; ++k)
      sums[r][k] = kAccumulate ? _mm256_loadu_ps(c + r * out + 8 * k) : _mm256_setzero_ps();
  }
  for (Index i = 0; i < inner; ++i) {
    __m256 columns[kVectors];
    for (int k = 0; k < kVectors; ++k) columns[k] = _mm256_loadu_ps(b + i * out + 8 * k);
    for (int r = 0; r < kRows; ++r) {
      const __m256 value = _mm256_broadcast_ss(a + r * row_stride + i * inner_stride);
      for (int k = 0; k < kVectors; ++k) sums[r][k] = _mm256_fmadd_ps(value, columns[k], sums[r][k]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int k = 0; k < kVectors; ++k) _mm256_storeu_ps(c + r * out + 8 * k, sums[r][k]);
  }
}

// Runs kernel<kRows>(first row) over `rows` rows in blocks of kMostRows and one shorter block.
template <template <int> class Kernel, typename... Arguments>
THERMO_AVX2_INLINE void over_rows(Index rows, Arguments... arguments) {
  Index row = 0;
  for (; row + kMostRows <= rows; row += kMostRows) Kernel<kMostRows>::run(row, arguments...);
  switch (rows - row) {
    case 5:
      Kernel<5>::run(row, arguments...);
      break;
    case 4:
      Kernel<4>::run(row, arguments...);
      break;
    case 3:
      Kernel<3>::run(row, arguments...);
      break;
    case 2:
      Kernel<2>::run(row, arguments...);
      break;
    case 1:
      Kernel<1>::run(row, arguments...);
      break;
    default:
      break;
  }
}

template <int kVectors, bool kAccumulate>
struct MultiplyRows {
  template <int kRows>
  struct Kernel {
    THERMO_AVX2_INLINE static void run(Index row, const float* a, Index row_stride, Index inner_stride, Index inner,
                                       const float* b, Index out, float* c) {
      multiply_rows<kRows, kVectors, kAccumulate>(a + row * row_stride, row_stride, inner_stride, inner, b, out,
                                                  c + row * out);
    }
  };
};

// multiply_rows over all `rows` rows and `out` columns (a multiple of 8).
template <bool kAccumulate>
THERMO_AVX2_INLINE void multiply_in_registers(Index rows, const float* a, Index row_stride, Index inner_stride,
                                              Index inner, const float* b, Index out, float* c) {
  Index o = 0;
  for (; o + 16 <= out; o += 16) {
    over_rows<MultiplyRows<2, kAccumulate>::template Kernel>(rows, a, row_stride, inner_stride, inner, b + o, out,
                                                             c + o);
  }
  if (o < out) {
    over_rows<MultiplyRows<1, kAccumulate>::template Kernel>(rows, a, row_stride, inner_stride, inner, b + o, out,
                                                             c + o);
  }
}

// m (count × out) = v (count × in) · u, row-major (u at point_index).
THERMO_AVX2 void multiply_point(const float* v, Index count, Index in, const float* u, Index out, float* m) {
  if (!register_products(in, out)) {
    check(dnnl_sgemm('N', 'T', count, out, in, 1.0F, v, in, u, in, 0.0F, m, out));
    return;
  }
  multiply_in_registers<false>(count, v, in, 1, in, u, out, m);
}

// du += vᵀ (in × count) · m (count × out), row-major (du at point_index).
THERMO_AVX2 void accumulate_point(const float* v, Index count, Index in, const float* m, Index out, float* du) {
  if (!register_products(in, out)) {
    check(dnnl_sgemm('T', 'N', out, in, count, 1.0F, m, out, v, in, 1.0F, du, in));
    return;
  }
  multiply_in_registers<true>(in, v, 1, in, count, m, out, du);
}

// Tiles per chunk (a thread's unit of work): few for the register products, whose chunk's
// transforms then stay in the caches nearest the core (12 tiles: 1.2-1.3× faster than 64 on
// ConvNet(8)'s 16→32 and 32→64); 64 for dnnl_sgemm, whose products grow with it.
Index tiles_per_chunk(Index in_channels, Index out_channels) {
  return register_products(in_channels, out_channels) ? 12 : 64;
}

int team_size(int threads, Index chunks) {
  return static_cast<int>(std::clamp<Index>(threads, 1, chunks));
}

// dst = the convolution of src (in_channels) with the transformed weights u[ξ] (point_index).
template <int kTile>
void convolve(const float* src, Index in_channels, const float* u, float* dst, Index out_channels,
              const Geometry& image_geometry, int threads) {
  constexpr int kPoints = Shape<kTile>::kPoints;
  const Tiles<kTile> tiles(image_geometry);
  const Index chunk_size = tiles_per_chunk(in_channels, out_channels);
  const Index chunks = (tiles.count + chunk_size - 1) / chunk_size;
#pragma omp parallel num_threads(team_size(threads, chunks))
  {
    std::vector<float> v(static_cast<std::size_t>(kPoints * chunk_size * in_channels));
    std::vector<float> m(static_cast<std::size_t>(kPoints * chunk_size * out_channels));
#pragma omp for schedule(static)
    for (Index chunk = 0; chunk < chunks; ++chunk) {
      const Index first = chunk * chunk_size;
      const Index count = std::min(chunk_size, tiles.count - first);
      for (Index t = 0; t < count; ++t) {
        transform_input<kTile>(src, image_geometry, in_channels, place_of(tiles, first + t), t, chunk_size, v.data());
      }
      for (int point = 0; point < kPoints; ++point) {
        multiply_point(v.data() + point * chunk_size * in_channels, count, in_channels,
                       u + point * in_channels * out_channels, out_channels,
                       m.data() + point * chunk_size * out_channels);
      }
      for (Index t = 0; t < count; ++t) {
        transform_output<kTile>(m.data(), t, chunk_size, image_geometry, out_channels, place_of(tiles, first + t), dst);
      }
    }
  }
}

template <int kTile>
void forward_on(const float* src, const float* weight, float* dst, const Geometry& geometry, int threads) {
  std::vector<float> u(static_cast<std::size_t>(Shape<kTile>::kPoints * geometry.out_channels * geometry.in_channels));
  transform_weights<kTile>(weight, geometry.out_channels, geometry.in_channels, false, u.data(), threads);
  convolve<kTile>(src, geometry.in_channels, u.data(), dst, geometry.out_channels, geometry, threads);
}

template <int kTile>
void backward_data_on(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry,
                      int threads) {
  std::vector<float> u(static_cast<std::size_t>(Shape<kTile>::kPoints * geometry.out_channels * geometry.in_channels));
  transform_weights<kTile>(weight, geometry.in_channels, geometry.out_channels, true, u.data(), threads);
  convolve<kTile>(diff_dst, geometry.out_channels, u.data(), diff_src, geometry.in_channels, geometry, threads);
}

template <int kTile>
void backward_weights_on(const float* src, const float* diff_dst, float* diff_weight, const Geometry& geometry,
                         int threads) {
  using S = Shape<kTile>;
  constexpr int kAlpha = S::kAlpha;
  constexpr int kPoints = S::kPoints;
  const Index in_channels = geometry.in_channels;
  const Index out_channels = geometry.out_channels;
  const Index weights = out_channels * in_channels;
  const Tiles<kTile> tiles(geometry);
  const Index chunk_size = tiles_per_chunk(in_channels, out_channels);
  const Index chunks = (tiles.count + chunk_size - 1) / chunk_size;
  const int team = team_size(threads, chunks);
  // Per thread: du[ξ] (point_index) = Σ over its tiles of v[ξ]ᵀ m[ξ].
  std::vector<std::vector<float>> sums(static_cast<std::size_t>(team));
#pragma omp parallel num_threads(team)
  {
    auto& du = sums[static_cast<std::size_t>(omp_get_thread_num())];
    du.assign(static_cast<std::size_t>(kPoints * weights), 0.0F);
    std::vector<float> v(static_cast<std::size_t>(kPoints * chunk_size * in_channels));
    std::vector<float> m(static_cast<std::size_t>(kPoints * chunk_size * out_channels));
#pragma omp for schedule(static)
    for (Index chunk = 0; chunk < chunks; ++chunk) {
      const Index first = chunk * chunk_size;
      const Index count = std::min(chunk_size, tiles.count - first);
      for (Index t = 0; t < count; ++t) {
        const TilePlace place = place_of(tiles, first + t);
        transform_input<kTile>(src, geometry, in_channels, place, t, chunk_size, v.data());
        transform_output_gradient<kTile>(diff_dst, geometry, out_channels, place, t, chunk_size, m.data());
      }
      for (int point = 0; point < kPoints; ++point) {
        accumulate_point(v.data() + point * chunk_size * in_channels, count, in_channels,
                         m.data() + point * chunk_size * out_channels, out_channels, du.data() + point * weights);
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
  transpose(S::Matrices::kKernelRows, kernel_columns);
  // diff_weight[o][i] = Gᵀ du[·](i, o) G.
#pragma omp parallel for num_threads(team) schedule(static)
  for (Index o = 0; o < out_channels; ++o) {
    for (Index i = 0; i < in_channels; ++i) {
      float du[kAlpha][kAlpha];
      for (int point = 0; point < kPoints; ++point) {
        du[point / kAlpha][point % kAlpha] = total[point * weights + point_index(i, o, in_channels, out_channels)];
      }
      float rows[3][kAlpha];  // Gᵀ du
      multiply(kernel_columns, du, rows);
      float kernel[3][3];  // (Gᵀ du) G
      multiply(rows, S::Matrices::kKernelRows, kernel);
      for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) diff_weight[(o * in_channels + i) * 9 + a * 3 + b] = kernel[a][b];
      }
    }
  }
}

// F(4×4, 3×3) from 32 channels in and out, F(2×2, 3×3) below: F(4×4)'s rounding flips ReLUs near
// zero in 16-channel layers (winograd_kernels.hpp).
bool wide(const Geometry& geometry) {
  return geometry.in_channels >= kWideChannels && geometry.out_channels >= kWideChannels;
}

}  // namespace

bool machine_supports() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}

const std::string& algorithm_name() {
  static const std::string name = "F(4x4,3x3) from " + std::to_string(kWideChannels) + " channels, F(2x2,3x3) from " +
                                  std::to_string(kFewestChannels);
  return name;
}

const char* algorithm_name(const Geometry& geometry) {
  return wide(geometry) ? "F(4x4,3x3)" : "F(2x2,3x3)";
}

bool fits(const Conv2dSpec& spec) {
  return spec.kernel == 3 && spec.stride == 1 && spec.padding == 1 && spec.in_channels >= kFewestChannels &&
         spec.out_channels >= kFewestChannels && spec.in_channels % 8 == 0 && spec.out_channels % 8 == 0;
}

void forward(const float* src, const float* weight, float* dst, const Geometry& geometry, int threads) {
  if (wide(geometry)) return forward_on<4>(src, weight, dst, geometry, threads);
  forward_on<2>(src, weight, dst, geometry, threads);
}

void backward_data(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry, int threads) {
  if (wide(geometry)) return backward_data_on<4>(diff_dst, weight, diff_src, geometry, threads);
  backward_data_on<2>(diff_dst, weight, diff_src, geometry, threads);
}

void backward_weights(const float* src, const float* diff_dst, float* diff_weight, const Geometry& geometry,
                      int threads) {
  if (wide(geometry)) return backward_weights_on<4>(src, diff_dst, diff_weight, geometry, threads);
  backward_weights_on<2>(src, diff_dst, diff_weight, geometry, threads);
}

}  // namespace thermo::cpu::winograd
