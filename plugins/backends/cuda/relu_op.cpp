// ReLU that keeps NaN (PyTorch's); backward uses the forward's dst (dst > 0 exactly where src > 0).
#include "cuda_memory.hpp"
#include "cuda_ops.hpp"
#include "kernels.hpp"

namespace thermo::cuda {
namespace {

class CudaRelu final : public ReluOp {
 public:
  explicit CudaRelu(ContextPtr context) : context_(std::move(context)) {}

  void forward(const Tensor& src, Tensor& dst) override {
    context_->activate();
    const float* in = data_of(src);
    float* out = prepare_dst(dst, src.shape(), *context_);
    kernels::relu_forward(in, out, src.shape().count(), context_->stream());
    last_dst_ = dst;
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->activate();
    require(!last_dst_.empty(), "relu backward needs a forward first");
    require(diff_dst.shape() == last_dst_.shape(), "relu backward: diff_dst " + to_string(diff_dst.shape()) +
                                                       " does not match the last forward's " +
                                                       to_string(last_dst_.shape()));
    float* out = prepare_dst(diff_src, last_dst_.shape(), *context_);
    kernels::relu_backward(data_of(last_dst_), data_of(diff_dst), out, last_dst_.shape().count(), context_->stream());
  }

 private:
  ContextPtr context_;
  Tensor last_dst_;
};

}  // namespace

std::unique_ptr<ReluOp> make_relu(ContextPtr context) {
  return std::make_unique<CudaRelu>(std::move(context));
}

}  // namespace thermo::cuda
