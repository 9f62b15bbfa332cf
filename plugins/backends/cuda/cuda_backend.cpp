#include "cuda_backend.hpp"

#include "cuda_ops.hpp"
#include "kernels.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace thermo::cuda {
namespace {

void require_f32(ConstVectorView view, const char* op) {
  require(view.dtype == DType::f32, std::string(op) + " needs f32 views, got " + to_string(view.dtype));
}

std::string version_text(int version, int major_divisor, int minor_divisor) {
  return fmt::format("{}.{}.{}", version / major_divisor, (version % major_divisor) / minor_divisor,
                     version % minor_divisor);
}

}  // namespace

CudaBackend::CudaBackend(const Settings& settings) : context_(std::make_shared<Context>(settings)) {
  check(cudaEventCreateWithFlags(&indices_copied_, cudaEventDisableTiming), "cudaEventCreateWithFlags");
}

CudaBackend::~CudaBackend() {
  (void)cudaStreamSynchronize(context_->stream());  // a destructor must not throw
  if (pinned_indices_ != nullptr) (void)cudaFreeHost(pinned_indices_);
  if (indices_copied_ != nullptr) (void)cudaEventDestroy(indices_copied_);
}

std::string CudaBackend::description() const {
  int runtime = 0;
  check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
  int cublas = 0;
  check(cublasGetVersion(context_->cublas(), &cublas), "cublasGetVersion");
  const auto& settings = context_->settings();
  return fmt::format("cuDNN {}, cuBLAS {}, CUDA runtime {}.{} on {}, {} algorithms{}",
                     version_text(static_cast<int>(cudnnGetVersion()), 10000, 100), version_text(cublas, 10000, 100),
                     runtime / 1000, (runtime % 1000) / 10, context_->device_description(),
                     settings.deterministic ? "deterministic" : "fastest", settings.tf32 ? ", TF32 allowed" : "");
}

std::unique_ptr<DeviceBuffer> CudaBackend::do_allocate(std::size_t count, DType dtype) {
  context_->activate();
  return std::make_unique<CudaBuffer>(*context_, count, dtype);
}

void CudaBackend::do_upload(const void* src_host, VectorView dst) {
  context_->activate();
  if (dst.size == 0) return;
  check(cudaMemcpyAsync(dst.data, src_host, dst.bytes(), cudaMemcpyHostToDevice, context_->stream()),
        "cudaMemcpyAsync (upload)");
}

void CudaBackend::do_download(ConstVectorView src, void* dst_host) {
  context_->activate();
  context_->read(src.data, dst_host, src.bytes());
}

Tensor CudaBackend::create_tensor(const Shape4& shape) {
  context_->activate();
  require(shape.n > 0 && shape.c > 0 && shape.h > 0 && shape.w > 0,
          "create_tensor needs a positive shape, got " + to_string(shape));
  Tensor tensor;
  (void)prepare_dst(tensor, shape, *context_);
  return tensor;
}

void CudaBackend::write_tensor(const float* src_nchw, Tensor& dst) {
  context_->activate();
  require(!dst.empty(), "write_tensor needs a tensor made by create_tensor (it gives the shape)");
  float* out = prepare_dst(dst, dst.shape(), *context_);
  check(cudaMemcpyAsync(out, src_nchw, static_cast<std::size_t>(dst.shape().count()) * sizeof(float),
                        cudaMemcpyHostToDevice, context_->stream()),
        "cudaMemcpyAsync (write_tensor)");
}

void CudaBackend::read_tensor(const Tensor& src, float* dst_nchw) {
  context_->activate();
  context_->read(data_of(src), dst_nchw, static_cast<std::size_t>(src.shape().count()) * sizeof(float));
}

void CudaBackend::upload_indices(std::span<const std::int32_t> indices) {
  const std::size_t bytes = indices.size() * sizeof(std::int32_t);
  check(cudaEventSynchronize(indices_copied_), "cudaEventSynchronize");  // the last copy left the pinned memory
  if (indices.size() > pinned_capacity_) {
    if (pinned_indices_ != nullptr) check(cudaFreeHost(pinned_indices_), "cudaFreeHost");
    pinned_indices_ = nullptr;
    check(cudaMallocHost(reinterpret_cast<void**>(&pinned_indices_), bytes), "cudaMallocHost");
    pinned_capacity_ = indices.size();
  }
  context_->grow(indices_, bytes);
  std::copy(indices.begin(), indices.end(), pinned_indices_);
  check(cudaMemcpyAsync(indices_.data(), pinned_indices_, bytes, cudaMemcpyHostToDevice, context_->stream()),
        "cudaMemcpyAsync (indices)");
  check(cudaEventRecord(indices_copied_, context_->stream()), "cudaEventRecord");
}

void CudaBackend::gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
                         std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) {
  context_->activate();
  (void)check_gather(samples, sample_count, labels, indices, dst, dst_labels);
  const auto rows = static_cast<std::int64_t>(indices.size());
  float* out = prepare_dst(dst, dst.shape().with_batch(rows), *context_);
  if (rows == 0) return;
  upload_indices(indices);
  kernels::gather(static_cast<const float*>(samples.data), sample_count, static_cast<const std::int32_t*>(labels.data),
                  indices_.as<std::int32_t>(), rows, out, static_cast<std::int32_t*>(dst_labels.data),
                  context_->stream());
}

std::unique_ptr<Conv2dOp> CudaBackend::make_conv2d(const Conv2dSpec& spec) {
  return cuda::make_conv2d(context_, spec);
}
std::unique_ptr<BatchNormOp> CudaBackend::make_batch_norm(const BatchNormSpec& spec) {
  return cuda::make_batch_norm(context_, spec);
}
std::unique_ptr<ReluOp> CudaBackend::make_relu() {
  return cuda::make_relu(context_);
}
std::unique_ptr<PoolOp> CudaBackend::make_pool(const PoolSpec& spec) {
  return cuda::make_pool(context_, spec);
}
std::unique_ptr<LinearOp> CudaBackend::make_linear(const LinearSpec& spec) {
  return cuda::make_linear(context_, spec);
}
std::unique_ptr<LossOp> CudaBackend::make_loss(LossKind kind, std::int64_t classes) {
  return cuda::make_loss(context_, kind, classes);
}

void CudaBackend::add(const Tensor& a, const Tensor& b, Tensor& dst) {
  context_->activate();
  require(a.shape() == b.shape(),
          "add needs tensors of one shape, got " + to_string(a.shape()) + " and " + to_string(b.shape()));
  const float* a_data = data_of(a);
  const float* b_data = data_of(b);
  float* out = prepare_dst(dst, a.shape(), *context_);
  kernels::add(a_data, b_data, out, a.shape().count(), context_->stream());
}

void CudaBackend::accumulate(const Tensor& src, Tensor& dst) {
  context_->activate();
  require(src.shape() == dst.shape(),
          "accumulate needs tensors of one shape, got " + to_string(src.shape()) + " and " + to_string(dst.shape()));
  kernels::accumulate(data_of(src), storage_of(dst).data(), src.shape().count(), context_->stream());
}

void CudaBackend::do_fill(VectorView x, double value) {
  context_->activate();
  if (x.dtype == DType::i32) {
    kernels::fill(static_cast<std::int32_t*>(x.data), static_cast<std::int64_t>(x.size),
                  static_cast<std::int32_t>(value), context_->stream());
    return;
  }
  require_f32(x, "fill");
  kernels::fill(static_cast<float*>(x.data), static_cast<std::int64_t>(x.size), static_cast<float>(value),
                context_->stream());
}

void CudaBackend::do_copy(ConstVectorView src, VectorView dst) {
  context_->activate();
  require(src.size == dst.size && src.dtype == dst.dtype, "copy needs views of one size and dtype");
  if (src.data == dst.data || src.size == 0) return;
  check(cudaMemcpyAsync(dst.data, src.data, src.bytes(), cudaMemcpyDeviceToDevice, context_->stream()),
        "cudaMemcpyAsync (copy)");
}

void CudaBackend::do_axpy(double alpha, ConstVectorView x, VectorView y) {
  context_->activate();
  require_f32(x, "axpy");
  require_f32(y, "axpy");
  require(x.size == y.size, "axpy needs views of one size");
  kernels::axpy(alpha, static_cast<const float*>(x.data), static_cast<float*>(y.data),
                static_cast<std::int64_t>(x.size), context_->stream());
}

void CudaBackend::do_scale(double alpha, VectorView x) {
  context_->activate();
  require_f32(x, "scale");
  kernels::scale(alpha, static_cast<float*>(x.data), static_cast<std::int64_t>(x.size), context_->stream());
}

double CudaBackend::do_dot(ConstVectorView x, ConstVectorView y) {
  context_->activate();
  require_f32(x, "dot");
  require_f32(y, "dot");
  require(x.size == y.size, "dot needs views of one size");
  const auto count = static_cast<std::int64_t>(x.size);
  kernels::dot(static_cast<const float*>(x.data), static_cast<const float*>(y.data), count,
               context_->reduction_scratch(kernels::reduction_scratch(count)), context_->reduction_result(),
               context_->stream());
  return context_->read_result();
}

void CudaBackend::do_scale_to_norm(double norm, VectorView x) {
  context_->activate();
  require_f32(x, "scale_to_norm");
  const auto count = static_cast<std::int64_t>(x.size);
  kernels::scale_to_norm(norm, static_cast<float*>(x.data), count,
                         context_->reduction_scratch(kernels::reduction_scratch(count)), context_->reduction_result(),
                         context_->stream());
}

void CudaBackend::pairwise_squared_distances(ConstVectorView rows, std::int64_t count, std::int64_t dim,
                                             std::span<double> dst_host) {
  require(rows.dtype == DType::f32 && rows.size >= static_cast<std::size_t>(count * dim),
          "pairwise_squared_distances needs f32 rows with count×dim elements");
  cuda::pairwise_squared_distances(*context_, static_cast<const float*>(rows.data), count, dim, dst_host);
}

}  // namespace thermo::cuda
