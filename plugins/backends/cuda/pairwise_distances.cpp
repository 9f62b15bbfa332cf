// Pairwise squared distances accurate to float64 on the device, by the cpu backend's method
// (arithmetic/pairwise.hpp): blocks of columns centred by float32 means, their Gram matrices by
// cuBLAS's dsyrk added with Neumaier's compensation, then the pairs whose Gram distance cancels
// recomputed directly as Σ (x_i − x_j)² in float64. The count × count result goes to the host.
#include "arithmetic/pairwise.hpp"
#include "cuda_ops.hpp"
#include "kernels.hpp"

#include <algorithm>
#include <vector>

namespace thermo::cuda {
namespace {
constexpr std::int64_t kGramBlockColumns = 8192;
}  // namespace

void pairwise_squared_distances(Context& context, const float* rows, std::int64_t count, std::int64_t dim,
                                std::span<double> dst_host) {
  context.activate();
  require(count >= 0 && dim >= 0, "pairwise distances need count, dim >= 0");
  require(dst_host.size() == static_cast<std::size_t>(count * count),
          "pairwise distances: dst must hold count×count = " + std::to_string(count * count) + " doubles");
  if (count == 0) return;
  if (dim == 0) {
    std::fill(dst_host.begin(), dst_host.end(), 0.0);
    return;
  }
  const cudaStream_t stream = context.stream();
  const std::int64_t block_width = std::min(kGramBlockColumns, dim);
  const auto square = static_cast<std::size_t>(count * count);
  DeviceMemory block(static_cast<std::size_t>(count * block_width) * sizeof(double));
  DeviceMemory block_gram(square * sizeof(double));
  DeviceMemory gram(square * sizeof(double));
  DeviceMemory carry(square * sizeof(double));
  check(cudaMemsetAsync(gram.data(), 0, gram.bytes(), stream), "cudaMemsetAsync");
  check(cudaMemsetAsync(carry.data(), 0, carry.bytes(), stream), "cudaMemsetAsync");
  const double one = 1.0, zero = 0.0;
  for (std::int64_t begin = 0; begin < dim; begin += block_width) {
    const std::int64_t width = std::min(block_width, dim - begin);
    kernels::centred_block(rows, count, dim, begin, width, block.as<double>(), stream);
    // Row-major block (count × width) is cuBLAS's column-major blockᵀ: G = blockᵀᵀ·blockᵀ.
    check(cublasDsyrk(context.cublas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T, static_cast<int>(count),
                      static_cast<int>(width), &one, block.as<double>(), static_cast<int>(width), &zero,
                      block_gram.as<double>(), static_cast<int>(count)),
          "cublasDsyrk");
    kernels::compensated_accumulate(block_gram.as<double>(), gram.as<double>(), carry.as<double>(), count, stream);
  }
  std::vector<double> host_gram(square), host_carry(square);
  context.read(gram.data(), host_gram.data(), gram.bytes());
  context.read(carry.data(), host_carry.data(), carry.bytes());
  for (std::size_t at = 0; at < square; ++at) host_gram[at] += host_carry[at];

  std::vector<std::int32_t> cancelled;  // pairs (i, j), i < j
  for (std::int64_t i = 0; i < count; ++i) {
    dst_host[static_cast<std::size_t>(i * count + i)] = 0.0;
    for (std::int64_t j = i + 1; j < count; ++j) {
      const auto result = arithmetic::gram_distance(host_gram[static_cast<std::size_t>(i * count + i)],
                                                    host_gram[static_cast<std::size_t>(j * count + j)],
                                                    host_gram[static_cast<std::size_t>(i * count + j)]);
      dst_host[static_cast<std::size_t>(i * count + j)] = result.distance;
      if (result.cancelled) {
        cancelled.push_back(static_cast<std::int32_t>(i));
        cancelled.push_back(static_cast<std::int32_t>(j));
      }
    }
  }
  if (!cancelled.empty()) {
    const auto pairs = static_cast<std::int64_t>(cancelled.size() / 2);
    DeviceMemory pair_memory(cancelled.size() * sizeof(std::int32_t));
    DeviceMemory exact(static_cast<std::size_t>(pairs) * sizeof(double));
    check(cudaMemcpyAsync(pair_memory.data(), cancelled.data(), pair_memory.bytes(), cudaMemcpyHostToDevice, stream),
          "cudaMemcpyAsync (pairs)");
    kernels::pair_distances(rows, dim, pair_memory.as<std::int32_t>(), pairs, exact.as<double>(), stream);
    std::vector<double> host_exact(static_cast<std::size_t>(pairs));
    context.read(exact.data(), host_exact.data(), exact.bytes());
    for (std::int64_t p = 0; p < pairs; ++p) {
      const auto i = cancelled[static_cast<std::size_t>(2 * p)], j = cancelled[static_cast<std::size_t>(2 * p + 1)];
      dst_host[static_cast<std::size_t>(i * count + j)] = host_exact[static_cast<std::size_t>(p)];
    }
  }
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t j = 0; j < i; ++j) {
      dst_host[static_cast<std::size_t>(i * count + j)] = dst_host[static_cast<std::size_t>(j * count + i)];
    }
  }
}

}  // namespace thermo::cuda
