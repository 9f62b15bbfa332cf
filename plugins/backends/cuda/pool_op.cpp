// Max and average pooling on the backend's own kernels (pool_kernels.cu): PyTorch's maximum (the
// first in scan order, NaN wins), average counting the padding; training forwards keep each
// output's source position for backward.
#include "cuda_memory.hpp"
#include "cuda_ops.hpp"
#include "kernels.hpp"

namespace thermo::cuda {
namespace {

class CudaPool final : public PoolOp {
 public:
  CudaPool(ContextPtr context, const PoolSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.kernel > 0 && spec.stride > 0 && spec.padding >= 0 && 2 * spec.padding <= spec.kernel,
            "pooling needs kernel, stride > 0 and 0 <= padding <= kernel / 2");
  }

  void forward(const Tensor& src, Tensor& dst, bool training) override {
    context_->activate();
    const kernels::PoolGeometry geometry = geometry_of(src.shape());
    const Shape4 output = spec_.output_shape(src.shape());
    const float* in = data_of(src);
    float* out = prepare_dst(dst, output, *context_);
    if (spec_.kind == PoolKind::average) {
      kernels::average_pool_forward(in, out, geometry, context_->stream());
    } else {
      std::int32_t* argmax = nullptr;
      if (training) {
        context_->grow(argmax_, static_cast<std::size_t>(output.count()) * sizeof(std::int32_t));
        argmax = argmax_.as<std::int32_t>();
      }
      kernels::max_pool_forward(in, out, argmax, geometry, context_->stream());
    }
    if (training) {
      last_training_ = geometry;
      last_src_ = src.shape();
      trained_ = true;
    }
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->activate();
    require(trained_, "pooling backward needs a training forward first");
    require(diff_dst.shape() == spec_.output_shape(last_src_),
            "pooling backward: diff_dst " + to_string(diff_dst.shape()) +
                " does not match the last training forward's " + to_string(spec_.output_shape(last_src_)));
    float* out = prepare_dst(diff_src, last_src_, *context_);
    if (spec_.kind == PoolKind::average) {
      kernels::average_pool_backward(data_of(diff_dst), out, last_training_, context_->stream());
    } else {
      kernels::max_pool_backward(data_of(diff_dst), argmax_.as<std::int32_t>(), out, last_training_,
                                 context_->stream());
    }
  }

 private:
  [[nodiscard]] kernels::PoolGeometry geometry_of(const Shape4& src) const {
    require(src.n > 0 && src.c > 0 && src.h + 2 * spec_.padding >= spec_.kernel &&
                src.w + 2 * spec_.padding >= spec_.kernel,
            "pooling of window " + std::to_string(spec_.kernel) + " got " + to_string(src));
    const Shape4 output = spec_.output_shape(src);
    return {src.n, src.c, src.h, src.w, output.h, output.w, spec_.kernel, spec_.stride, spec_.padding};
  }

  ContextPtr context_;
  PoolSpec spec_;
  DeviceMemory argmax_;
  kernels::PoolGeometry last_training_;
  Shape4 last_src_;
  bool trained_ = false;
};

}  // namespace

std::unique_ptr<PoolOp> make_pool(ContextPtr context, const PoolSpec& spec) {
  return std::make_unique<CudaPool>(std::move(context), spec);
}

}  // namespace thermo::cuda
