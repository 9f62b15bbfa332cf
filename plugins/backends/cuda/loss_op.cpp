// Cross-entropy and MSE on N×classes×1×1 logits (loss_kernels.cu): per-sample float64 losses
// and gradients stay on the device for backward; forward reads back only the batch's totals (the
// one value of a training step that reaches the host).
#include "cuda_memory.hpp"
#include "cuda_ops.hpp"
#include "kernels.hpp"

namespace thermo::cuda {
namespace {

class CudaLoss final : public LossOp {
 public:
  CudaLoss(ContextPtr context, LossKind kind, std::int64_t classes)
      : context_(std::move(context)), kind_(kind), classes_(classes), totals_(sizeof(kernels::LossTotals)) {
    require(classes > 0, "a loss needs a positive class count");
    check(cudaMallocHost(reinterpret_cast<void**>(&host_totals_), sizeof(kernels::LossTotals)), "cudaMallocHost");
  }
  ~CudaLoss() override {
    if (host_totals_ != nullptr) (void)cudaFreeHost(host_totals_);
  }
  CudaLoss(const CudaLoss&) = delete;
  CudaLoss& operator=(const CudaLoss&) = delete;

  LossValue forward(const Tensor& logits, ConstVectorView labels) override {
    context_->activate();
    const Shape4& shape = logits.shape();
    require(shape.n > 0 && shape.c == classes_ && shape.h == 1 && shape.w == 1,
            "loss: logits " + to_string(shape) + " are not N×" + std::to_string(classes_) + "×1×1");
    require(labels.dtype == DType::i32 && labels.size >= static_cast<std::size_t>(shape.n),
            "loss: labels must be i32 with at least one label per sample");
    context_->grow(gradient_, static_cast<std::size_t>(shape.count()) * sizeof(double));
    context_->grow(per_sample_, static_cast<std::size_t>(3 * shape.n) * sizeof(double));
    kernels::loss_forward(kind_ == LossKind::cross_entropy, data_of(logits),
                          static_cast<const std::int32_t*>(labels.data), shape.n, classes_, gradient_.as<double>(),
                          per_sample_.as<double>(), totals_.as<kernels::LossTotals>(), context_->stream());
    check(cudaMemcpyAsync(host_totals_, totals_.data(), sizeof(kernels::LossTotals), cudaMemcpyDeviceToHost,
                          context_->stream()),
          "cudaMemcpyAsync (loss totals)");
    context_->synchronize();
    require(host_totals_->invalid == 0, "loss: " + std::to_string(host_totals_->invalid) + " labels are outside [0, " +
                                            std::to_string(classes_) + ")");
    shape_ = shape;
    return {host_totals_->sum, host_totals_->correct, shape.n};
  }

  void backward(double scale, Tensor& diff_logits) override {
    context_->activate();
    require(shape_.n > 0, "loss backward needs a forward first");
    float* out = prepare_dst(diff_logits, shape_, *context_);
    kernels::loss_backward(scale, gradient_.as<double>(), out, shape_.count(), context_->stream());
  }

 private:
  ContextPtr context_;
  LossKind kind_;
  std::int64_t classes_;
  DeviceMemory totals_;
  DeviceMemory gradient_;                       // d(loss of each sample)/d(logits), N×classes float64
  DeviceMemory per_sample_;                     // loss, correct, invalid per sample
  kernels::LossTotals* host_totals_ = nullptr;  // pinned
  Shape4 shape_;
};

}  // namespace

std::unique_ptr<LossOp> make_loss(ContextPtr context, LossKind kind, std::int64_t classes) {
  return std::make_unique<CudaLoss>(std::move(context), kind, classes);
}

}  // namespace thermo::cuda
