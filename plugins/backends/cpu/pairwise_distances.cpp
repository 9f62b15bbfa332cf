// Method (measured in bench/backend/pairwise_distances_bench.cpp; timings in the report):
//  1. Gram pass: for blocks of columns, subtract a float32 centre (the column means rounded to
//     float32, so the subtraction is exact in float64) and accumulate G = X·Xᵀ in float64 with
//     dsyrk; d_ij = G_ii + G_jj − 2·G_ij. After centring, G_ii is the spread of the rows, not
//     their norm, so rows 1e-6 apart on the unit sphere keep most of their digits. The Gram
//     matrices of the blocks are added with compensation (Neumaier), so the rounding of G stays
//     that of one block instead of growing with the number of blocks.
//  2. Where d_ij is still small against G_ii + G_jj (a cancellation that would cost more than two
//     digits), recompute the pair directly: Σ (x_i − x_j)² with the float32 differences exact in
//     float64. This makes identical rows exactly 0 and near-identical rows exact to rounding.
#include "pairwise_distances.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace thermo::cpu {
namespace {

constexpr std::int64_t kBlockColumns = 2048;      // direct differences: a block of rows stays in cache
constexpr std::int64_t kGramBlockColumns = 8192;  // Gram pass: fewer, longer dsyrk calls
// Pairs with d_ij < kCancellation·(G_ii + G_jj) are recomputed directly: the Gram value keeps
// a relative accuracy of about (rounding of G)/kCancellation.
constexpr double kCancellation = 1e-2;
constexpr std::int64_t kTile = 4;

// Float64 copy of columns [begin, begin + width) of every row, minus `centre` (float32 values
// held as double; may be null).
void load_block(const float* rows, std::int64_t count, std::int64_t dim, std::int64_t begin, std::int64_t width,
                const double* centre, double* dst, int threads) {
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t row = 0; row < count; ++row) {
    const float* src = rows + row * dim + begin;
    double* out = dst + row * width;
    if (centre != nullptr) {
#pragma omp simd
      for (std::int64_t column = 0; column < width; ++column)
        out[column] = static_cast<double>(src[column]) - centre[column];
    } else {
#pragma omp simd
      for (std::int64_t column = 0; column < width; ++column) out[column] = static_cast<double>(src[column]);
    }
  }
}

// Column means over the rows, rounded to float32 (so that x − centre is exact in float64).
void block_centre(const float* rows, std::int64_t count, std::int64_t dim, std::int64_t begin, std::int64_t width,
                  double* centre, int threads) {
  constexpr std::int64_t kChunk = 256;
  const std::int64_t chunks = (width + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
    const std::int64_t first = chunk * kChunk;
    const std::int64_t last = std::min(width, first + kChunk);
    double sum[kChunk] = {};
    for (std::int64_t row = 0; row < count; ++row) {
      const float* src = rows + row * dim + begin;
#pragma omp simd
      for (std::int64_t column = first; column < last; ++column)
        sum[column - first] += static_cast<double>(src[column]);
    }
    for (std::int64_t column = first; column < last; ++column) {
      centre[column] = static_cast<double>(static_cast<float>(sum[column - first] / static_cast<double>(count)));
    }
  }
}

double squared_difference(const double* x, const double* y, std::int64_t width) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t column = 0; column < width; ++column) {
    const double difference = x[column] - y[column];
    sum += difference * difference;
  }
  return sum;
}

// acc[a·kTile + b] += Σ (x_{i0+a} − x_{j0+b})² over the block: 16 pairs share each load.
__attribute__((target_clones("avx512f", "avx2", "default"))) void tile_squared_differences(
    const double* block, std::int64_t width, std::int64_t i0, std::int64_t j0, double* acc) {
  const double* x0 = block + (i0 + 0) * width;
  const double* x1 = block + (i0 + 1) * width;
  const double* x2 = block + (i0 + 2) * width;
  const double* x3 = block + (i0 + 3) * width;
  const double* y0 = block + (j0 + 0) * width;
  const double* y1 = block + (j0 + 1) * width;
  const double* y2 = block + (j0 + 2) * width;
  const double* y3 = block + (j0 + 3) * width;
  double s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  double s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
#pragma omp simd reduction(+ : s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33)
  for (std::int64_t c = 0; c < width; ++c) {
    const double a0 = x0[c], a1 = x1[c], a2 = x2[c], a3 = x3[c];
    const double b0 = y0[c], b1 = y1[c], b2 = y2[c], b3 = y3[c];
    s00 += (a0 - b0) * (a0 - b0);
    s01 += (a0 - b1) * (a0 - b1);
    s02 += (a0 - b2) * (a0 - b2);
    s03 += (a0 - b3) * (a0 - b3);
    s10 += (a1 - b0) * (a1 - b0);
    s11 += (a1 - b1) * (a1 - b1);
    s12 += (a1 - b2) * (a1 - b2);
    s13 += (a1 - b3) * (a1 - b3);
    s20 += (a2 - b0) * (a2 - b0);
    s21 += (a2 - b1) * (a2 - b1);
    s22 += (a2 - b2) * (a2 - b2);
    s23 += (a2 - b3) * (a2 - b3);
    s30 += (a3 - b0) * (a3 - b0);
    s31 += (a3 - b1) * (a3 - b1);
    s32 += (a3 - b2) * (a3 - b2);
    s33 += (a3 - b3) * (a3 - b3);
  }
  const double sums[16] = {s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33};
  for (int index = 0; index < 16; ++index) acc[index] += sums[index];
}

// dst(i, j) += Σ over the block of (x_i − x_j)² for all i < j.
void direct_block(const double* block, std::int64_t count, std::int64_t width, double* dst, int threads) {
  const std::int64_t tiles = count / kTile;
  std::vector<std::pair<std::int64_t, std::int64_t>> tile_pairs;
  for (std::int64_t i = 0; i < tiles; ++i) {
    for (std::int64_t j = i; j < tiles; ++j) tile_pairs.emplace_back(i, j);
  }
  const auto pair_count = static_cast<std::int64_t>(tile_pairs.size());
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (std::int64_t index = 0; index < pair_count; ++index) {
    const auto [i_tile, j_tile] = tile_pairs[static_cast<std::size_t>(index)];
    double acc[kTile * kTile] = {};
    tile_squared_differences(block, width, i_tile * kTile, j_tile * kTile, acc);
    for (std::int64_t a = 0; a < kTile; ++a) {
      for (std::int64_t b = 0; b < kTile; ++b)
        dst[(i_tile * kTile + a) * count + j_tile * kTile + b] += acc[a * kTile + b];
    }
  }
  // Rows past the last whole tile, against every row.
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (std::int64_t j = tiles * kTile; j < count; ++j) {
    for (std::int64_t i = 0; i < j; ++i)
      dst[i * count + j] += squared_difference(block + i * width, block + j * width, width);
  }
}

// sum += addend on the upper triangle, with the Neumaier compensation of each entry in carry.
void add_compensated(const std::vector<double>& addend, std::vector<double>& sum, std::vector<double>& carry,
                     std::int64_t count, int threads) {
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t j = i; j < count; ++j) {
      const auto at = static_cast<std::size_t>(i * count + j);
      const double value = addend[at];
      const double total = sum[at] + value;
      carry[at] += std::abs(sum[at]) >= std::abs(value) ? (sum[at] - total) + value : (value - total) + sum[at];
      sum[at] = total;
    }
  }
}

void gram_distances(const CpuContext& context, const float* rows, std::int64_t count, std::int64_t dim,
                    std::span<double> dst) {
  const int threads = context.threads();
  const std::int64_t gram_width = std::min(kGramBlockColumns, dim);
  std::vector<double> block(static_cast<std::size_t>(count * gram_width));
  std::vector<double> centre(static_cast<std::size_t>(gram_width));
  std::vector<double> block_gram(static_cast<std::size_t>(count * count), 0.0);
  std::vector<double> gram(block_gram.size(), 0.0);
  std::vector<double> carry(block_gram.size(), 0.0);
  for (std::int64_t begin = 0; begin < dim; begin += gram_width) {
    const std::int64_t width = std::min(gram_width, dim - begin);
    block_centre(rows, count, dim, begin, width, centre.data(), threads);
    load_block(rows, count, dim, begin, width, centre.data(), block.data(), threads);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(count), static_cast<int>(width), 1.0,
                block.data(), static_cast<int>(width), 0.0, block_gram.data(), static_cast<int>(count));
    add_compensated(block_gram, gram, carry, count, threads);
  }
  for (std::size_t at = 0; at < gram.size(); ++at) gram[at] += carry[at];
  std::vector<std::pair<std::int64_t, std::int64_t>> cancelled;
  for (std::int64_t i = 0; i < count; ++i) {
    dst[static_cast<std::size_t>(i * count + i)] = 0.0;
    for (std::int64_t j = i + 1; j < count; ++j) {
      const double scale =
          gram[static_cast<std::size_t>(i * count + i)] + gram[static_cast<std::size_t>(j * count + j)];
      const double distance = scale - 2.0 * gram[static_cast<std::size_t>(i * count + j)];
      dst[static_cast<std::size_t>(i * count + j)] = distance;
      if (distance < kCancellation * scale) cancelled.emplace_back(i, j);
    }
  }
  if (!cancelled.empty()) {
    const std::int64_t block_width = std::min(kBlockColumns, dim);
    std::vector<double> exact(cancelled.size(), 0.0);
    const auto pair_count = static_cast<std::int64_t>(cancelled.size());
    for (std::int64_t begin = 0; begin < dim; begin += block_width) {
      const std::int64_t width = std::min(block_width, dim - begin);
      load_block(rows, count, dim, begin, width, nullptr, block.data(), threads);
#pragma omp parallel for schedule(static) num_threads(threads)
      for (std::int64_t index = 0; index < pair_count; ++index) {
        const auto [i, j] = cancelled[static_cast<std::size_t>(index)];
        exact[static_cast<std::size_t>(index)] +=
            squared_difference(block.data() + i * width, block.data() + j * width, width);
      }
    }
    for (std::size_t index = 0; index < cancelled.size(); ++index) {
      const auto [i, j] = cancelled[index];
      dst[static_cast<std::size_t>(i * count + j)] = exact[index];
    }
  }
}

void direct_distances(const CpuContext& context, const float* rows, std::int64_t count, std::int64_t dim,
                      std::span<double> dst) {
  const int threads = context.threads();
  const std::int64_t block_width = std::min(kBlockColumns, dim);
  std::vector<double> block(static_cast<std::size_t>(count * block_width));
  std::fill(dst.begin(), dst.end(), 0.0);
  for (std::int64_t begin = 0; begin < dim; begin += block_width) {
    const std::int64_t width = std::min(block_width, dim - begin);
    load_block(rows, count, dim, begin, width, nullptr, block.data(), threads);
    direct_block(block.data(), count, width, dst.data(), threads);
  }
  for (std::int64_t i = 0; i < count; ++i) dst[static_cast<std::size_t>(i * count + i)] = 0.0;
}

}  // namespace

void pairwise_squared_distances(const CpuContext& context, const float* rows, std::int64_t count, std::int64_t dim,
                                std::span<double> dst, DistanceMethod method) {
  context.use_threads();
  require(count >= 0 && dim >= 0, "pairwise distances need count, dim >= 0");
  require(dst.size() == static_cast<std::size_t>(count * count),
          "pairwise distances: dst must hold count×count = " + std::to_string(count * count) + " doubles");
  if (count == 0) return;
  if (dim == 0) {
    std::fill(dst.begin(), dst.end(), 0.0);
    return;
  }
  if (method == DistanceMethod::gram) {
    gram_distances(context, rows, count, dim, dst);
  } else {
    direct_distances(context, rows, count, dim, dst);
  }
  // Mirror the upper triangle.
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t j = 0; j < i; ++j) {
      dst[static_cast<std::size_t>(i * count + j)] = dst[static_cast<std::size_t>(j * count + i)];
    }
  }
}

}  // namespace thermo::cpu
