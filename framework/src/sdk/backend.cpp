// The Backend functions the SDK implements itself: float64 vectors live in host memory and are
// computed here (host-computed models such as the toy problem), so that a backend implements its
// memory and vector ops for f32 and i32 only (the do_ functions).
#include <thermo/backend.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace thermo {
namespace {

// Reductions sum fixed blocks of this size, then the block sums in order (as the cpu backend).
constexpr std::size_t kReductionBlock = 1 << 12;

// An f64 vector in host memory, zero-filled.
class HostBuffer final : public DeviceBuffer {
 public:
  explicit HostBuffer(std::size_t count) : values_(count, 0.0) {}
  [[nodiscard]] VectorView view() override { return {values_.data(), values_.size(), DType::f64}; }
  [[nodiscard]] ConstVectorView view() const override { return {values_.data(), values_.size(), DType::f64}; }
  [[nodiscard]] void* host_data() override { return values_.data(); }

 private:
  std::vector<double> values_;
};

double* host_values(VectorView view) {
  return static_cast<double*>(view.data);
}
const double* host_values(ConstVectorView view) {
  return static_cast<const double*>(view.data);
}

bool on_host(ConstVectorView view) {
  return view.dtype == DType::f64;
}

void require(bool condition, const std::string& what) {
  if (!condition) throw std::invalid_argument("backend: " + what);
}

// Both operands f64 (host) or neither: the vector ops other than copy do not mix dtypes.
bool both_on_host(ConstVectorView x, ConstVectorView y, const char* op) {
  require(on_host(x) == on_host(y),
          fmt::format("{} needs operands of one dtype, got {} and {}", op, to_string(x.dtype), to_string(y.dtype)));
  return on_host(x);
}

void require_same_size(ConstVectorView x, ConstVectorView y, const char* op) {
  require(x.size == y.size, fmt::format("{} needs views of one size ({} vs {})", op, x.size, y.size));
}

// Σ x·y over fixed blocks, each summed as an OpenMP SIMD reduction (this file is compiled with
// -fopenmp-simd): the same order, so the same bits, as the cpu backend's reductions of float64
// vectors gave before they moved here.
double host_dot(const double* x, const double* y, std::size_t size) {
  double total = 0.0;
  for (std::size_t begin = 0; begin < size; begin += kReductionBlock) {
    const std::size_t end = std::min(size, begin + kReductionBlock);
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (std::size_t index = begin; index < end; ++index) sum += x[index] * y[index];
    total += sum;
  }
  return total;
}

void host_scale(double alpha, double* x, std::size_t size) {
  for (std::size_t index = 0; index < size; ++index) x[index] = alpha * x[index];
}

}  // namespace

std::unique_ptr<DeviceBuffer> Backend::allocate(std::size_t count, DType dtype) {
  if (dtype == DType::f64) return std::make_unique<HostBuffer>(count);
  return do_allocate(count, dtype);
}

void Backend::upload(const void* src_host, VectorView dst) {
  if (!on_host(dst)) return do_upload(src_host, dst);
  if (dst.size > 0) std::memcpy(dst.data, src_host, dst.bytes());
}

void Backend::download(ConstVectorView src, void* dst_host) {
  if (!on_host(src)) return do_download(src, dst_host);
  if (src.size > 0) std::memcpy(dst_host, src.data, src.bytes());
}

void Backend::fill(VectorView x, double value) {
  if (!on_host(x)) return do_fill(x, value);
  std::fill(host_values(x), host_values(x) + x.size, value);
}

void Backend::copy(ConstVectorView src, VectorView dst) {
  require_same_size(src, dst, "copy");
  if (!on_host(src) && !on_host(dst)) return do_copy(src, dst);
  if (on_host(src) && on_host(dst)) {
    if (src.data != dst.data && src.size > 0) std::memmove(dst.data, src.data, src.bytes());
    return;
  }
  // One side in backend memory: it must be f32; the conversion happens on the host.
  std::vector<float> narrow(src.size);
  if (on_host(src)) {
    require(dst.dtype == DType::f32,
            fmt::format("copy from f64 needs an f32 or f64 dst, got {}", to_string(dst.dtype)));
    const double* values = host_values(src);
    for (std::size_t index = 0; index < src.size; ++index) narrow[index] = static_cast<float>(values[index]);
    do_upload(narrow.data(), dst);
  } else {
    require(src.dtype == DType::f32, fmt::format("copy to f64 needs an f32 or f64 src, got {}", to_string(src.dtype)));
    do_download(src, narrow.data());
    double* values = host_values(dst);
    for (std::size_t index = 0; index < src.size; ++index) values[index] = static_cast<double>(narrow[index]);
  }
}

void Backend::axpy(double alpha, ConstVectorView x, VectorView y) {
  if (!both_on_host(x, y, "axpy")) return do_axpy(alpha, x, y);
  require_same_size(x, y, "axpy");
  const double* src = host_values(x);
  double* dst = host_values(y);
  for (std::size_t index = 0; index < x.size; ++index) dst[index] = dst[index] + alpha * src[index];
}

void Backend::scale(double alpha, VectorView x) {
  if (!on_host(x)) return do_scale(alpha, x);
  host_scale(alpha, host_values(x), x.size);
}

double Backend::dot(ConstVectorView x, ConstVectorView y) {
  if (!both_on_host(x, y, "dot")) return do_dot(x, y);
  require_same_size(x, y, "dot");
  return host_dot(host_values(x), host_values(y), x.size);
}

double Backend::squared_norm(ConstVectorView x) {
  return dot(x, x);
}

void Backend::scale_to_norm(double norm, VectorView x) {
  if (!on_host(x)) return do_scale_to_norm(norm, x);
  const double current = std::sqrt(host_dot(host_values(x), host_values(x), x.size));
  if (current > 0.0 && std::isfinite(current)) host_scale(norm / current, host_values(x), x.size);
}

std::int64_t Backend::check_gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
                                   std::span<const std::int32_t> indices, const Tensor& dst,
                                   VectorView dst_labels) const {
  require(samples.dtype == DType::f32 && sample_count > 0, "gather needs f32 samples and a positive sample_count");
  require(!dst.empty() && dst.shape().per_sample() == sample_count,
          fmt::format("gather needs dst made with the batch shape (per sample {} elements)", sample_count));
  require(labels.dtype == DType::i32 && dst_labels.dtype == DType::i32 && dst_labels.size >= indices.size(),
          "gather needs i32 labels and dst_labels with room for every index");
  const auto available = static_cast<std::int64_t>(samples.size) / sample_count;
  require(static_cast<std::int64_t>(labels.size) >= available, "gather: fewer labels than samples");
  for (const auto index : indices) {
    if (index < 0 || index >= available) {
      throw std::out_of_range(fmt::format("{} backend: gather index {} is outside [0, {})", name(), index, available));
    }
  }
  return available;
}

void Backend::do_scale_to_norm(double norm, VectorView x) {
  const double current = std::sqrt(do_dot(x, x));
  if (current > 0.0 && std::isfinite(current)) do_scale(norm / current, x);
}

}  // namespace thermo
