// Batch norm without affine parameters on the backend's own kernels (batch_norm_kernels.cu):
// float64 statistics as the cpu backend's, PyTorch's semantics, a fused ReLU (the backend's one
// fusion; a max pooling after it runs as its own op). Backward reads the src of the last training
// forward (kept alive through its handle), whose normalisation stays apart from inference's.
#include "cuda_memory.hpp"
#include "cuda_ops.hpp"
#include "kernels.hpp"

#include <thermo/error.hpp>

namespace thermo::cuda {
namespace {

class CudaBatchNorm final : public BatchNormOp {
 public:
  CudaBatchNorm(ContextPtr context, const BatchNormSpec& spec)
      : context_(std::move(context)),
        spec_(spec),
        // training: mean_high, mean_low, inverse_std, offset, slope; inference: the first three
        state_memory_(static_cast<std::size_t>(8 * spec.channels) * sizeof(float)) {
    require(spec.channels > 0, "batch norm needs a positive channel count");
    require(spec.eps > 0.0, "batch norm needs eps > 0");
    require(spec.fused_max_pool == 0, "batch norm: this backend fuses no max pooling (Backend::supports says so)");
    float* base = state_memory_.as<float>();
    const std::int64_t c = spec.channels;
    training_ = {base, base + c, base + 2 * c, base + 3 * c, base + 4 * c};
    inference_ = {base + 5 * c, base + 6 * c, base + 7 * c, nullptr, nullptr};
  }

  void forward_training(const Tensor& src, Tensor& dst, VectorView running_mean, VectorView running_var) override {
    context_->activate();
    check_statistics(running_mean, running_var);
    const auto shape = shape_of(src.shape());
    if (shape.per_channel() < 2) {
      throw UserError("batch norm in training mode needs more than one value per channel (got input " +
                      to_string(src.shape()) + "): use a batch size of at least 2");
    }
    double* scratch = context_->reduction_scratch(kernels::batch_norm_scratch(shape));
    kernels::batch_norm_statistics(data_of(src), shape, spec_.eps, spec_.momentum,
                                   static_cast<float*>(running_mean.data), static_cast<float*>(running_var.data),
                                   scratch, training_, context_->stream());
    float* out = prepare_dst(dst, src.shape(), *context_);
    kernels::batch_norm_normalise(data_of(src), out, shape, spec_.fuse_relu, training_, context_->stream());
    last_src_ = src;
  }

  void forward_inference(const Tensor& src, Tensor& dst, ConstVectorView running_mean,
                         ConstVectorView running_var) override {
    context_->activate();
    check_statistics(running_mean, running_var);
    const auto shape = shape_of(src.shape());
    kernels::batch_norm_from_running(static_cast<const float*>(running_mean.data),
                                     static_cast<const float*>(running_var.data), spec_.channels, spec_.eps, inference_,
                                     context_->stream());
    float* out = prepare_dst(dst, src.shape(), *context_);
    kernels::batch_norm_normalise(data_of(src), out, shape, spec_.fuse_relu, inference_, context_->stream());
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->activate();
    require(!last_src_.empty(), "batch norm backward needs a training forward first");
    require(diff_dst.shape() == last_src_.shape(), "batch norm backward: diff_dst " + to_string(diff_dst.shape()) +
                                                       " does not match the last forward's " +
                                                       to_string(last_src_.shape()));
    const auto shape = shape_of(last_src_.shape());
    double* scratch = context_->reduction_scratch(kernels::batch_norm_scratch(shape));
    float* out = prepare_dst(diff_src, last_src_.shape(), *context_);
    kernels::batch_norm_backward(data_of(last_src_), data_of(diff_dst), out, shape, spec_.fuse_relu, scratch, training_,
                                 context_->stream());
  }

 private:
  kernels::BatchNormShape shape_of(const Shape4& shape) const {
    require(shape.c == spec_.channels && shape.n > 0 && shape.h > 0 && shape.w > 0,
            "batch norm over " + std::to_string(spec_.channels) + " channels got " + to_string(shape));
    return {shape.n, shape.c, shape.h * shape.w};
  }

  void check_statistics(ConstVectorView mean, ConstVectorView var) const {
    const auto channels = static_cast<std::size_t>(spec_.channels);
    require(mean.dtype == DType::f32 && var.dtype == DType::f32 && mean.size == channels && var.size == channels,
            "batch norm running statistics must be f32 vectors of " + std::to_string(channels) + " elements");
  }

  ContextPtr context_;
  BatchNormSpec spec_;
  DeviceMemory state_memory_;
  kernels::BatchNormState training_;
  kernels::BatchNormState inference_;
  Tensor last_src_;
};

}  // namespace

std::unique_ptr<BatchNormOp> make_batch_norm(ContextPtr context, const BatchNormSpec& spec) {
  return std::make_unique<CudaBatchNorm>(std::move(context), spec);
}

}  // namespace thermo::cuda
