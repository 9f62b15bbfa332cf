#pragma once
// The `cpu` backend: oneDNN 2.6 primitives for the network ops, OpenBLAS for the Gram matrices
// of the pairwise distances, OpenMP loops for the rest; memory is host memory. Like its ops, a
// backend is used by one thread at a time. It supports every batch-norm fusion.

#include "cpu_context.hpp"
#include "cpu_memory.hpp"

#include <thermo/backend.hpp>

namespace thermo::cpu {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads, WinogradRequest winograd = WinogradRequest::none, bool thin_convolutions = true);

  [[nodiscard]] std::string name() const override { return "cpu"; }
  [[nodiscard]] std::string description() const override;
  [[nodiscard]] int threads() const override { return context_->threads(); }

  [[nodiscard]] bool supports(const BatchNormSpec& spec) const override;

  [[nodiscard]] Tensor create_tensor(const Shape4& shape) override;
  void write_tensor(const float* src_nchw, Tensor& dst) override;
  void read_tensor(const Tensor& src, float* dst_nchw) override;
  void gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
              std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) override;

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

 private:
  ContextPtr context_;
  LayoutConverter read_converter_;
  LayoutConverter add_converter_;
};

}  // namespace thermo::cpu
