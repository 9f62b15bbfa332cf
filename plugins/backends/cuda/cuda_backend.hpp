#pragma once
// The `cuda` backend: cuDNN 9 for convolutions, cuBLAS for the linear layers and the Gram
// matrices, kernels of its own for the rest (kernels.hpp). Everything a run keeps (data set,
// parameters, gradients, queues, activations) lives in device memory; all work is queued on one
// stream, and only what returns a value to the host waits for it. Tensors are plain NCHW. It
// fuses a ReLU into batch norm, not a max pooling.

#include "cuda_context.hpp"
#include "cuda_memory.hpp"

#include <thermo/backend.hpp>

namespace thermo::cuda {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const Settings& settings);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  [[nodiscard]] std::string name() const override { return "cuda"; }
  [[nodiscard]] std::string description() const override;
  [[nodiscard]] bool supports(const BatchNormSpec& spec) const override { return spec.fused_max_pool == 0; }

  [[nodiscard]] Tensor create_tensor(const Shape4& shape) override;
  void write_tensor(const float* src_nchw, Tensor& dst) override;
  void read_tensor(const Tensor& src, float* dst_nchw) override;
  void gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
              std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) override;
  void synchronize() override { context_->synchronize(); }

  [[nodiscard]] std::unique_ptr<Conv2dOp> make_conv2d(const Conv2dSpec& spec) override;
  [[nodiscard]] std::unique_ptr<BatchNormOp> make_batch_norm(const BatchNormSpec& spec) override;
  [[nodiscard]] std::unique_ptr<ReluOp> make_relu() override;
  [[nodiscard]] std::unique_ptr<PoolOp> make_pool(const PoolSpec& spec) override;
  [[nodiscard]] std::unique_ptr<LinearOp> make_linear(const LinearSpec& spec) override;
  [[nodiscard]] std::unique_ptr<LossOp> make_loss(LossKind kind, std::int64_t classes) override;

  void add(const Tensor& a, const Tensor& b, Tensor& dst) override;
  void accumulate(const Tensor& src, Tensor& dst) override;

  void pairwise_squared_distances(ConstVectorView rows, std::int64_t count, std::int64_t dim,
                                  std::span<double> dst_host) override;

 protected:
  [[nodiscard]] std::unique_ptr<DeviceBuffer> do_allocate(std::size_t count, DType dtype) override;
  void do_upload(const void* src_host, VectorView dst) override;
  void do_download(ConstVectorView src, void* dst_host) override;
  void do_fill(VectorView x, double value) override;
  void do_copy(ConstVectorView src, VectorView dst) override;
  void do_axpy(double alpha, ConstVectorView x, VectorView y) override;
  void do_scale(double alpha, VectorView x) override;
  [[nodiscard]] double do_dot(ConstVectorView x, ConstVectorView y) override;
  void do_scale_to_norm(double norm, VectorView x) override;

 private:
  // The batch's indices, copied through pinned memory (the copy must finish before it is reused).
  void upload_indices(std::span<const std::int32_t> indices);

  ContextPtr context_;
  DeviceMemory indices_;
  std::int32_t* pinned_indices_ = nullptr;
  std::size_t pinned_capacity_ = 0;
  cudaEvent_t indices_copied_ = nullptr;
};

}  // namespace thermo::cuda
