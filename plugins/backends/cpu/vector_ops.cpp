#include "vector_ops.hpp"

#include <cstring>
#include <vector>

namespace thermo::cpu {
namespace {

// Below this many elements a loop runs on one thread (the fork costs more than it saves).
constexpr std::size_t kParallelMinimum = 1 << 15;
// Reductions sum fixed blocks of this size, then the block sums in order.
constexpr std::size_t kReductionBlock = 1 << 12;

template <typename Value>
Value* data_of(VectorView view) {
  return static_cast<Value*>(view.data);
}
template <typename Value>
const Value* data_of(ConstVectorView view) {
  return static_cast<const Value*>(view.data);
}

template <typename Value>
void fill_typed(Value* x, std::size_t size, Value value, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) x[index] = value;
}

void axpy_f32(double alpha, const float* x, float* y, std::size_t size, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) {
    y[index] = static_cast<float>(static_cast<double>(y[index]) + alpha * static_cast<double>(x[index]));
  }
}

void scale_f32(double alpha, float* x, std::size_t size, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) {
    x[index] = static_cast<float>(alpha * static_cast<double>(x[index]));
  }
}

// Σ x·y in float64: block sums in parallel, then added in block order.
double dot_f32(const float* x, const float* y, std::size_t size, int threads) {
  const auto blocks = static_cast<std::int64_t>((size + kReductionBlock - 1) / kReductionBlock);
  std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
#pragma omp parallel for schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t block = 0; block < blocks; ++block) {
    const std::size_t begin = static_cast<std::size_t>(block) * kReductionBlock;
    const std::size_t end = std::min(size, begin + kReductionBlock);
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (std::size_t index = begin; index < end; ++index) {
      sum += static_cast<double>(x[index]) * static_cast<double>(y[index]);
    }
    partial[static_cast<std::size_t>(block)] = sum;
  }
  double total = 0.0;
  for (const double value : partial) total += value;
  return total;
}

void check_f32(ConstVectorView view, const char* op) {
  require(view.dtype == DType::f32, std::string(op) + " needs f32 views, got " + to_string(view.dtype));
}

}  // namespace

void fill(const CpuContext& context, VectorView x, double value) {
  context.use_threads();
  if (x.dtype == DType::i32) {
    fill_typed(data_of<std::int32_t>(x), x.size, static_cast<std::int32_t>(value), context.threads());
  } else {
    check_f32(x, "fill");
    fill_typed(data_of<float>(x), x.size, static_cast<float>(value), context.threads());
  }
}

void copy(const CpuContext& context, ConstVectorView src, VectorView dst) {
  context.use_threads();
  require(src.size == dst.size,
          "copy needs views of one size (" + std::to_string(src.size) + " vs " + std::to_string(dst.size) + ")");
  require(src.dtype == dst.dtype, "copy needs views of one dtype");
  if (src.data != dst.data && src.size > 0) std::memmove(dst.data, src.data, src.bytes());
}

void axpy(const CpuContext& context, double alpha, ConstVectorView x, VectorView y) {
  context.use_threads();
  check_f32(x, "axpy");
  check_f32(y, "axpy");
  require(x.size == y.size, "axpy needs views of one size");
  axpy_f32(alpha, data_of<float>(x), data_of<float>(y), x.size, context.threads());
}

void scale(const CpuContext& context, double alpha, VectorView x) {
  context.use_threads();
  check_f32(x, "scale");
  scale_f32(alpha, data_of<float>(x), x.size, context.threads());
}

double dot(const CpuContext& context, ConstVectorView x, ConstVectorView y) {
  context.use_threads();
  check_f32(x, "dot");
  check_f32(y, "dot");
  require(x.size == y.size, "dot needs views of one size");
  return dot_f32(data_of<float>(x), data_of<float>(y), x.size, context.threads());
}

}  // namespace thermo::cpu
