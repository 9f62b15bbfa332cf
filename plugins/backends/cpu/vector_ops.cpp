#include "vector_ops.hpp"

#include <cblas.h>

#include <cstring>
#include <vector>

namespace thermo::cpu {
namespace {

// Below this many elements a loop runs on one thread (the fork costs more than it saves).
constexpr std::size_t kParallelMinimum = 1 << 15;
// Reductions sum fixed blocks of this size, then the block sums in order.
constexpr std::size_t kReductionBlock = 1 << 12;

bool is_real(DType type) {
  return type == DType::f32 || type == DType::f64;
}

template <typename Value>
Value* data_of(VectorView view) {
  return static_cast<Value*>(view.data);
}
template <typename Value>
const Value* data_of(ConstVectorView view) {
  return static_cast<const Value*>(view.data);
}

template <typename Dst, typename Src>
void convert(const Src* src, Dst* dst, std::size_t size, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) dst[index] = static_cast<Dst>(src[index]);
}

template <typename Value>
void fill_typed(Value* x, std::size_t size, Value value, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) x[index] = value;
}

template <typename X, typename Y>
void axpy_typed(double alpha, const X* x, Y* y, std::size_t size, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) {
    y[index] = static_cast<Y>(static_cast<double>(y[index]) + alpha * static_cast<double>(x[index]));
  }
}

template <typename Value>
void scale_typed(double alpha, Value* x, std::size_t size, int threads) {
  const auto count = static_cast<std::int64_t>(size);
#pragma omp parallel for simd schedule(static) num_threads(threads) if (size >= kParallelMinimum)
  for (std::int64_t index = 0; index < count; ++index) {
    x[index] = static_cast<Value>(alpha * static_cast<double>(x[index]));
  }
}

// Σ x·y in float64: block sums in parallel, then added in block order.
template <typename X, typename Y>
double dot_typed(const X* x, const Y* y, std::size_t size, int threads) {
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

void check_real(ConstVectorView view, const char* op) {
  require(is_real(view.dtype), std::string(op) + " needs f32 or f64 views, got " + to_string(view.dtype));
}

}  // namespace

void fill(const CpuContext& context, VectorView x, double value) {
  context.use_threads();
  switch (x.dtype) {
    case DType::f32:
      fill_typed(data_of<float>(x), x.size, static_cast<float>(value), context.threads());
      break;
    case DType::f64:
      fill_typed(data_of<double>(x), x.size, value, context.threads());
      break;
    case DType::i32:
      fill_typed(data_of<std::int32_t>(x), x.size, static_cast<std::int32_t>(value), context.threads());
      break;
  }
}

void copy(const CpuContext& context, ConstVectorView src, VectorView dst) {
  context.use_threads();
  require(src.size == dst.size,
          "copy needs views of one size (" + std::to_string(src.size) + " vs " + std::to_string(dst.size) + ")");
  if (src.dtype == dst.dtype) {
    if (src.data != dst.data && src.size > 0) std::memmove(dst.data, src.data, src.bytes());
    return;
  }
  check_real(src, "copy");
  check_real(dst, "copy");
  if (src.dtype == DType::f32) {
    convert(data_of<float>(src), data_of<double>(dst), src.size, context.threads());
  } else {
    convert(data_of<double>(src), data_of<float>(dst), src.size, context.threads());
  }
}

void axpy(const CpuContext& context, double alpha, ConstVectorView x, VectorView y) {
  context.use_threads();
  check_real(x, "axpy");
  check_real(y, "axpy");
  require(x.size == y.size, "axpy needs views of one size");
  const int threads = context.threads();
  if (x.dtype == DType::f32) {
    if (y.dtype == DType::f32)
      axpy_typed(alpha, data_of<float>(x), data_of<float>(y), x.size, threads);
    else
      axpy_typed(alpha, data_of<float>(x), data_of<double>(y), x.size, threads);
  } else {
    if (y.dtype == DType::f32)
      axpy_typed(alpha, data_of<double>(x), data_of<float>(y), x.size, threads);
    else
      axpy_typed(alpha, data_of<double>(x), data_of<double>(y), x.size, threads);
  }
}

void scale(const CpuContext& context, double alpha, VectorView x) {
  context.use_threads();
  check_real(x, "scale");
  if (x.dtype == DType::f32)
    scale_typed(alpha, data_of<float>(x), x.size, context.threads());
  else
    scale_typed(alpha, data_of<double>(x), x.size, context.threads());
}

double dot(const CpuContext& context, ConstVectorView x, ConstVectorView y) {
  context.use_threads();
  check_real(x, "dot");
  check_real(y, "dot");
  require(x.size == y.size, "dot needs views of one size");
  const int threads = context.threads();
  if (x.dtype == DType::f32) {
    return y.dtype == DType::f32 ? dot_typed(data_of<float>(x), data_of<float>(y), x.size, threads)
                                 : dot_typed(data_of<float>(x), data_of<double>(y), x.size, threads);
  }
  return y.dtype == DType::f32 ? dot_typed(data_of<double>(x), data_of<float>(y), x.size, threads)
                               : dot_typed(data_of<double>(x), data_of<double>(y), x.size, threads);
}

double squared_norm(const CpuContext& context, ConstVectorView x) {
  return dot(context, x, x);
}

void gemm(const CpuContext& context, const GemmSpec& spec, ConstVectorView a, ConstVectorView b, VectorView c) {
  context.use_threads();
  require(a.dtype == b.dtype && b.dtype == c.dtype && is_real(a.dtype), "gemm needs three f32 or three f64 views");
  require(spec.m >= 0 && spec.n >= 0 && spec.k >= 0, "gemm needs m, n, k >= 0");
  const auto m = static_cast<std::size_t>(spec.m);
  const auto n = static_cast<std::size_t>(spec.n);
  const auto k = static_cast<std::size_t>(spec.k);
  require(a.size >= m * k && b.size >= k * n && c.size >= m * n, "gemm views are smaller than m×k, k×n and m×n");
  if (m == 0 || n == 0) return;
  const auto transpose_a = spec.transpose_a ? CblasTrans : CblasNoTrans;
  const auto transpose_b = spec.transpose_b ? CblasTrans : CblasNoTrans;
  const int lda = static_cast<int>(spec.transpose_a ? spec.m : spec.k);
  const int ldb = static_cast<int>(spec.transpose_b ? spec.k : spec.n);
  const int ldc = static_cast<int>(spec.n);
  const auto mi = static_cast<int>(spec.m);
  const auto ni = static_cast<int>(spec.n);
  const auto ki = static_cast<int>(spec.k);
  if (a.dtype == DType::f32) {
    cblas_sgemm(CblasRowMajor, transpose_a, transpose_b, mi, ni, ki, static_cast<float>(spec.alpha), data_of<float>(a),
                std::max(lda, 1), data_of<float>(b), std::max(ldb, 1), static_cast<float>(spec.beta), data_of<float>(c),
                std::max(ldc, 1));
  } else {
    cblas_dgemm(CblasRowMajor, transpose_a, transpose_b, mi, ni, ki, spec.alpha, data_of<double>(a), std::max(lda, 1),
                data_of<double>(b), std::max(ldb, 1), spec.beta, data_of<double>(c), std::max(ldc, 1));
  }
}

}  // namespace thermo::cpu
