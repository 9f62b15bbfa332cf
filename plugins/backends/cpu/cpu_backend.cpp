#include "cpu_backend.hpp"

#include "cpu_ops.hpp"
#include "pairwise_distances.hpp"
#include "vector_ops.hpp"
#include "winograd_kernels.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <string>

namespace thermo::cpu {
namespace {

const char* isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic:
      return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "no jit isa";
  }
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "an unknown cpu";
}

template <typename Value>
Value* as(VectorView view) {
  return static_cast<Value*>(view.data);
}

// The `winograd` setting as the backend runs it.
std::string winograd_description(const CpuContext& context) {
  if (!context.winograd()) return "";
  switch (winograd_kernels(context)) {
    case WinogradKernels::onednn:
      return ", winograd convolutions";
    case WinogradKernels::thermo:
      return fmt::format(
          ", winograd convolutions (thermo's {}{})", winograd::algorithm_name(),
          context.winograd_request() == WinogradRequest::thermo ? ", as asked" : ": oneDNN has none for this CPU");
    case WinogradKernels::none:
      break;
  }
  return ", winograd requested (no Winograd kernels for this CPU: direct convolutions)";
}

}  // namespace

CpuBackend::CpuBackend(int threads, WinogradRequest winograd, bool thin_convolutions)
    : context_(std::make_shared<CpuContext>(threads, winograd, thin_convolutions)) {}

std::string CpuBackend::description() const {
  const auto* version = dnnl::version();
  const int threads = context_->threads();
  return fmt::format("oneDNN {}.{}.{} on {}, {} thread{}, {}{}{}", version->major, version->minor, version->patch,
                     cpu_model(), threads, threads == 1 ? "" : "s", isa_name(dnnl::get_effective_cpu_isa()),
                     winograd_description(*context_),
                     context_->thin_convolutions() ? ", thermo's thin convolutions" : "");
}

bool CpuBackend::supports(const BatchNormSpec& spec) const {
  return spec.fused_max_pool == 0 || spec.fused_max_pool >= 2;
}

std::unique_ptr<DeviceBuffer> CpuBackend::do_allocate(std::size_t count, DType dtype) {
  return std::make_unique<CpuBuffer>(count, dtype);
}

void CpuBackend::do_upload(const void* src_host, VectorView dst) {
  if (dst.size > 0) std::memcpy(dst.data, src_host, dst.bytes());
}

void CpuBackend::do_download(ConstVectorView src, void* dst_host) {
  if (src.size > 0) std::memcpy(dst_host, src.data, src.bytes());
}

Tensor CpuBackend::create_tensor(const Shape4& shape) {
  require(shape.n > 0 && shape.c > 0 && shape.h > 0 && shape.w > 0,
          "create_tensor needs a positive shape, got " + to_string(shape));
  return {shape, std::make_shared<CpuTensorStorage>(plain_desc(shape), context_->engine())};
}

void CpuBackend::write_tensor(const float* src_nchw, Tensor& dst) {
  require(!dst.empty(), "write_tensor needs a tensor made by create_tensor (it gives the shape)");
  auto& storage = prepare_dst(dst, dst.shape(), plain_desc(dst.shape()), *context_);
  std::memcpy(storage.data(), src_nchw, static_cast<std::size_t>(dst.shape().count()) * sizeof(float));
}

void CpuBackend::read_tensor(const Tensor& src, float* dst_nchw) {
  context_->use_threads();
  const auto& storage = storage_of(src);
  const auto plain = plain_desc(src.shape());
  if (storage.desc() == plain) {
    std::memcpy(dst_nchw, storage.data(), static_cast<std::size_t>(src.shape().count()) * sizeof(float));
    return;
  }
  const dnnl::memory host(plain, context_->engine(), dst_nchw);
  read_converter_.reorder(storage.memory(), host, *context_);
}

void CpuBackend::gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
                        std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) {
  context_->use_threads();
  (void)check_gather(samples, sample_count, labels, indices, dst, dst_labels);
  const Shape4 shape = dst.shape().with_batch(static_cast<std::int64_t>(indices.size()));
  // The samples are NCHW; written channels-last when the op that reads dst wants it so (the
  // first convolution of a thin net), which then reads them without a reorder.
  const bool channels_last = storage_of(dst).read_as_channels_last() && shape.c > 1;
  float* out = prepare_dst(dst, shape, channels_last ? channels_last_desc(shape) : plain_desc(shape), *context_).data();
  const auto* src = static_cast<const float*>(samples.data);
  const auto* src_labels = static_cast<const std::int32_t*>(labels.data);
  auto* out_labels = as<std::int32_t>(dst_labels);
  const auto count = static_cast<std::int64_t>(indices.size());
  const auto bytes = static_cast<std::size_t>(sample_count) * sizeof(float);
  const std::int64_t channels = shape.c;
  const std::int64_t pixels = shape.h * shape.w;
#pragma omp parallel for schedule(static) num_threads(context_->threads()) if (count * sample_count >= (1 << 16))
  for (std::int64_t row = 0; row < count; ++row) {
    const auto index = indices[static_cast<std::size_t>(row)];
    const float* sample = src + index * sample_count;
    float* written = out + row * sample_count;
    if (channels_last) {
      for (std::int64_t pixel = 0; pixel < pixels; ++pixel) {
        for (std::int64_t channel = 0; channel < channels; ++channel) {
          written[pixel * channels + channel] = sample[channel * pixels + pixel];
        }
      }
    } else {
      std::memcpy(written, sample, bytes);
    }
    out_labels[row] = src_labels[index];
  }
}

std::unique_ptr<Conv2dOp> CpuBackend::make_conv2d(const Conv2dSpec& spec) {
  return cpu::make_conv2d(context_, spec);
}
std::unique_ptr<BatchNormOp> CpuBackend::make_batch_norm(const BatchNormSpec& spec) {
  return cpu::make_batch_norm(context_, spec);
}
std::unique_ptr<ReluOp> CpuBackend::make_relu() {
  return cpu::make_relu(context_);
}
std::unique_ptr<PoolOp> CpuBackend::make_pool(const PoolSpec& spec) {
  return cpu::make_pool(context_, spec);
}
std::unique_ptr<LinearOp> CpuBackend::make_linear(const LinearSpec& spec) {
  return cpu::make_linear(context_, spec);
}
std::unique_ptr<LossOp> CpuBackend::make_loss(LossKind kind, std::int64_t classes) {
  return cpu::make_loss(context_, kind, classes);
}

void CpuBackend::add(const Tensor& a, const Tensor& b, Tensor& dst) {
  context_->use_threads();
  require(a.shape() == b.shape(),
          "add needs tensors of one shape, got " + to_string(a.shape()) + " and " + to_string(b.shape()));
  const auto& a_storage = storage_of(a);
  const auto desc = a_storage.desc();
  // b in a's layout (a copy when it has another); taken before dst may re-lay out b's storage.
  const auto* b_data =
      static_cast<const float*>(add_converter_.to(storage_of(b).memory(), desc, *context_).get_data_handle());
  float* out = prepare_dst(dst, a.shape(), desc, *context_).data();
  const float* a_data = a_storage.data();
  // Blocked layouts pad channels with zeros; adding the padding keeps it zero.
  const auto count = static_cast<std::int64_t>(desc.get_size() / sizeof(float));
#pragma omp parallel for simd schedule(static) num_threads(context_->threads()) if (count >= (1 << 15))
  for (std::int64_t index = 0; index < count; ++index) out[index] = a_data[index] + b_data[index];
}

void CpuBackend::accumulate(const Tensor& src, Tensor& dst) {
  context_->use_threads();
  require(src.shape() == dst.shape(),
          "accumulate needs tensors of one shape, got " + to_string(src.shape()) + " and " + to_string(dst.shape()));
  auto& dst_storage = storage_of(dst);
  const auto* src_data = static_cast<const float*>(
      add_converter_.to(storage_of(src).memory(), dst_storage.desc(), *context_).get_data_handle());
  float* out = dst_storage.data();
  const auto count = static_cast<std::int64_t>(dst_storage.desc().get_size() / sizeof(float));
#pragma omp parallel for simd schedule(static) num_threads(context_->threads()) if (count >= (1 << 15))
  for (std::int64_t index = 0; index < count; ++index) out[index] += src_data[index];
}

void CpuBackend::do_fill(VectorView x, double value) {
  cpu::fill(*context_, x, value);
}
void CpuBackend::do_copy(ConstVectorView src, VectorView dst) {
  cpu::copy(*context_, src, dst);
}
void CpuBackend::do_axpy(double alpha, ConstVectorView x, VectorView y) {
  cpu::axpy(*context_, alpha, x, y);
}
void CpuBackend::do_scale(double alpha, VectorView x) {
  cpu::scale(*context_, alpha, x);
}
double CpuBackend::do_dot(ConstVectorView x, ConstVectorView y) {
  return cpu::dot(*context_, x, y);
}

void CpuBackend::pairwise_squared_distances(ConstVectorView rows, std::int64_t count, std::int64_t dim,
                                            std::span<double> dst_host) {
  require(rows.dtype == DType::f32 && rows.size >= static_cast<std::size_t>(count * dim),
          "pairwise_squared_distances needs f32 rows with count×dim elements");
  cpu::pairwise_squared_distances(*context_, static_cast<const float*>(rows.data), count, dim, dst_host);
}

}  // namespace thermo::cpu
