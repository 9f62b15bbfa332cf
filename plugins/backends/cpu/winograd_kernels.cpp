// Winograd F(2×2, 3×3) (Lavin and Gray, 2016): the output is cut in 2×2 tiles, each read from a
// 4×4 input tile d; y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. The 16 element-wise products, summed over input
// channels, are 16 matrix products per chunk of tiles (dnnl_sgemm, one thread per chunk: the
// chunks are the parallel loop). Backward data is the forward on the flipped, transposed weights.
// The weight gradient is the transpose of the same linear map: dg = Gᵀ[Σ_tiles (A dy Aᵀ) ⊙
// (Bᵀ d B)]G, the sum over tiles a matrix product with the tiles as its inner dimension,
// accumulated per thread and summed in thread order (the result depends on the thread count,
// not on timing). The functions that use AVX2 carry a target attribute (the plugin is built for
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

constexpr int kPoints = 16;    // 4×4 transformed points per tile
constexpr Index kChunk = 128;  // tiles per chunk: one chunk's transforms stay in L2

struct Tiles {
  Index rows = 0;     // tiles per image, vertically: ceil(height / 2)
  Index columns = 0;  // horizontally
  Index count = 0;    // over the batch
  explicit Tiles(const Geometry& geometry)
      : rows((geometry.height + 1) / 2), columns((geometry.width + 1) / 2), count(geometry.batch * rows * columns) {}
};

struct TilePlace {
  Index image = 0;
  Index y = 0;  // the tile's first output row and column
  Index x = 0;
};

TilePlace place_of(const Tiles& tiles, Index tile) {
  const Index per_image = tiles.rows * tiles.columns;
  const Index within = tile % per_image;
  return {tile / per_image, 2 * (within / tiles.columns), 2 * (within % tiles.columns)};
}

void check(dnnl_status_t status) {
  if (status != dnnl_success)
    throw std::runtime_error("winograd: dnnl_sgemm failed with status " + std::to_string(status));
}

// v[ξ][t][c] = (Bᵀ d B)[ξ] for the 4×4 input tile of channels-last src around tile t (zero outside
// the image), each of the 16 points a row of `channels` in a block of kChunk rows.
THERMO_AVX2 void transform_input(const float* src, const Geometry& geometry, Index channels, const TilePlace& place,
                                 Index t, float* v) {
  const __m256 zero = _mm256_setzero_ps();
  const Index point_stride = kChunk * channels;
  const float* image = src + place.image * geometry.height * geometry.width * channels;
  for (Index c = 0; c < channels; c += 8) {
    __m256 d[4][4];
    for (int i = 0; i < 4; ++i) {
      const Index y = place.y - 1 + i;
      for (int j = 0; j < 4; ++j) {
        const Index x = place.x - 1 + j;
        const bool inside = y >= 0 && y < geometry.height && x >= 0 && x < geometry.width;
        d[i][j] = inside ? _mm256_loadu_ps(image + (y * geometry.width + x) * channels + c) : zero;
      }
    }
    __m256 r[4][4];  // Bᵀ d
    for (int j = 0; j < 4; ++j) {
      r[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
      r[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
      r[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
      r[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
    }
    for (int i = 0; i < 4; ++i) {  // (Bᵀ d) B
      float* out = v + (Index{i} * 4 * kChunk + t) * channels + c;
      _mm256_storeu_ps(out, _mm256_sub_ps(r[i][0], r[i][2]));
      _mm256_storeu_ps(out + point_stride, _mm256_add_ps(r[i][1], r[i][2]));
      _mm256_storeu_ps(out + 2 * point_stride, _mm256_sub_ps(r[i][2], r[i][1]));
      _mm256_storeu_ps(out + 3 * point_stride, _mm256_sub_ps(r[i][1], r[i][3]));
    }
  }
}

// The 2×2 output tile t of channels-last dst = Aᵀ m[·][t] A (rows and columns outside the image are
// not written).
THERMO_AVX2 void transform_output(const float* m, Index t, const Geometry& geometry, Index channels,
                                  const TilePlace& place, float* dst) {
  const Index point_stride = kChunk * channels;
  float* image = dst + place.image * geometry.height * geometry.width * channels;
  const bool full_row = place.x + 1 < geometry.width;
  for (Index c = 0; c < channels; c += 8) {
    __m256 a[4][4];
    for (int point = 0; point < kPoints; ++point) {
      a[point / 4][point % 4] = _mm256_loadu_ps(m + point * point_stride + t * channels + c);
    }
    __m256 r[2][4];  // Aᵀ a
    for (int j = 0; j < 4; ++j) {
      r[0][j] = _mm256_add_ps(_mm256_add_ps(a[0][j], a[1][j]), a[2][j]);
      r[1][j] = _mm256_sub_ps(_mm256_sub_ps(a[1][j], a[2][j]), a[3][j]);
    }
    for (int i = 0; i < 2 && place.y + i < geometry.height; ++i) {  // (Aᵀ a) A
      float* out = image + ((place.y + i) * geometry.width + place.x) * channels + c;
      _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(r[i][0], r[i][1]), r[i][2]));
      if (full_row) _mm256_storeu_ps(out + channels, _mm256_sub_ps(_mm256_sub_ps(r[i][1], r[i][2]), r[i][3]));
    }
  }
}

// m[ξ][t] = (A dy Aᵀ)[ξ] for the 2×2 tile t of channels-last diff_dst (zero outside the image).
THERMO_AVX2 void transform_output_gradient(const float* diff_dst, const Geometry& geometry, Index channels,
                                           const TilePlace& place, Index t, float* m) {
  const __m256 zero = _mm256_setzero_ps();
  const Index point_stride = kChunk * channels;
  const float* image = diff_dst + place.image * geometry.height * geometry.width * channels;
  for (Index c = 0; c < channels; c += 8) {
    __m256 dy[2][2];
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        const bool inside = place.y + i < geometry.height && place.x + j < geometry.width;
        dy[i][j] =
            inside ? _mm256_loadu_ps(image + ((place.y + i) * geometry.width + place.x + j) * channels + c) : zero;
      }
    }
    __m256 r[4][2];  // A dy: rows dy0, dy0 + dy1, dy0 - dy1, -dy1
    for (int j = 0; j < 2; ++j) {
      r[0][j] = dy[0][j];
      r[1][j] = _mm256_add_ps(dy[0][j], dy[1][j]);
      r[2][j] = _mm256_sub_ps(dy[0][j], dy[1][j]);
      r[3][j] = _mm256_sub_ps(zero, dy[1][j]);
    }
    for (int i = 0; i < 4; ++i) {  // (A dy) Aᵀ
      float* out = m + (Index{i} * 4 * kChunk + t) * channels + c;
      _mm256_storeu_ps(out, r[i][0]);
      _mm256_storeu_ps(out + point_stride, _mm256_add_ps(r[i][0], r[i][1]));
      _mm256_storeu_ps(out + 2 * point_stride, _mm256_sub_ps(r[i][0], r[i][1]));
      _mm256_storeu_ps(out + 3 * point_stride, _mm256_sub_ps(zero, r[i][1]));
    }
  }
}

// u[ξ][o][i] = (G g Gᵀ)[ξ] for the 3×3 kernel from input channel i to output channel o of a pass.
// flipped: the pass is backward data, whose kernel (o, i) is the original (i, o) rotated by 180°.
void transform_weights(const float* weight, Index pass_out, Index pass_in, bool flipped, float* u, int threads) {
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
      float t[4][3];  // G g
      for (int b = 0; b < 3; ++b) {
        t[0][b] = g[0][b];
        t[1][b] = 0.5F * (g[0][b] + g[1][b] + g[2][b]);
        t[2][b] = 0.5F * (g[0][b] - g[1][b] + g[2][b]);
        t[3][b] = g[2][b];
      }
      for (int a = 0; a < 4; ++a) {  // (G g) Gᵀ
        const float row[4] = {t[a][0], 0.5F * (t[a][0] + t[a][1] + t[a][2]), 0.5F * (t[a][0] - t[a][1] + t[a][2]),
                              t[a][2]};
        for (int b = 0; b < 4; ++b) u[((a * 4 + b) * pass_out + o) * pass_in + i] = row[b];
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

bool fits(const Conv2dSpec& spec) {
  return spec.kernel == 3 && spec.stride == 1 && spec.padding == 1 && spec.in_channels >= 64 &&
         spec.out_channels >= 64 && spec.in_channels % 8 == 0 && spec.out_channels % 8 == 0;
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
  // diff_weight[o][i] = Gᵀ du[·][o][i] G; Gᵀ's rows: (1, ½, ½, 0), (0, ½, -½, 0), (0, ½, ½, 1).
#pragma omp parallel for num_threads(team) schedule(static)
  for (Index w = 0; w < weights; ++w) {
    float du[4][4];
    for (int point = 0; point < kPoints; ++point) du[point / 4][point % 4] = total[point * weights + w];
    float t[3][4];  // Gᵀ du
    for (int b = 0; b < 4; ++b) {
      t[0][b] = du[0][b] + 0.5F * (du[1][b] + du[2][b]);
      t[1][b] = 0.5F * (du[1][b] - du[2][b]);
      t[2][b] = 0.5F * (du[1][b] + du[2][b]) + du[3][b];
    }
    float* out = diff_weight + w * 9;
    for (int a = 0; a < 3; ++a) {  // (Gᵀ du) G
      out[a * 3 + 0] = t[a][0] + 0.5F * (t[a][1] + t[a][2]);
      out[a * 3 + 1] = 0.5F * (t[a][1] - t[a][2]);
      out[a * 3 + 2] = 0.5F * (t[a][1] + t[a][2]) + t[a][3];
    }
  }
}

}  // namespace thermo::cpu::winograd
