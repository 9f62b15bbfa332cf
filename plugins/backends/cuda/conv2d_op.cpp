// Convolutions on cuDNN's convolution API: per input shape, a plan of descriptors and one
// algorithm per direction, chosen once from cuDNN's heuristics (cudnnGet*Algorithm_v7, which
// runs nothing) among the algorithms that compute in float32 like the cpu backend's direct
// convolution (no FFT or Winograd, no TF32 unless the `tf32` setting allows it) and, with
// `deterministic` (the default), give the same bits every run (no atomics in the backward passes).
#include "cuda_memory.hpp"
#include "cuda_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace thermo::cuda {
namespace {

bool allowed(cudnnConvolutionFwdAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}
bool allowed(cudnnConvolutionBwdDataAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 || algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
}
bool allowed(cudnnConvolutionBwdFilterAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 || algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 ||
         algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3;
}

// The first of cuDNN's ranked candidates that fits the settings.
template <typename Perf>
const Perf& choose(const Perf* candidates, int count, const Settings& settings, const char* direction) {
  for (int i = 0; i < count; ++i) {
    const Perf& perf = candidates[i];
    if (perf.status != CUDNN_STATUS_SUCCESS || !allowed(perf.algo)) continue;
    if (settings.deterministic && perf.determinism != CUDNN_DETERMINISTIC) continue;
    const bool tensor_ops =
        perf.mathType == CUDNN_TENSOR_OP_MATH || perf.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    if (tensor_ops && !settings.tf32) continue;
    return perf;
  }
  throw std::runtime_error(fmt::format("cuda backend: cuDNN offers no {} convolution algorithm that is float32{}",
                                       direction, settings.deterministic ? " and deterministic" : ""));
}

class TensorDescriptor {
 public:
  explicit TensorDescriptor(const Shape4& shape) {
    check(cudnnCreateTensorDescriptor(&descriptor_), "cudnnCreateTensorDescriptor");
    check(cudnnSetTensor4dDescriptor(descriptor_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, static_cast<int>(shape.n),
                                     static_cast<int>(shape.c), static_cast<int>(shape.h), static_cast<int>(shape.w)),
          "cudnnSetTensor4dDescriptor");
  }
  ~TensorDescriptor() { (void)cudnnDestroyTensorDescriptor(descriptor_); }
  TensorDescriptor(const TensorDescriptor&) = delete;
  TensorDescriptor& operator=(const TensorDescriptor&) = delete;
  [[nodiscard]] cudnnTensorDescriptor_t get() const { return descriptor_; }

 private:
  cudnnTensorDescriptor_t descriptor_ = nullptr;
};

class FilterDescriptor {
 public:
  explicit FilterDescriptor(const Conv2dSpec& spec) {
    check(cudnnCreateFilterDescriptor(&descriptor_), "cudnnCreateFilterDescriptor");
    check(cudnnSetFilter4dDescriptor(descriptor_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                     static_cast<int>(spec.out_channels), static_cast<int>(spec.in_channels),
                                     static_cast<int>(spec.kernel), static_cast<int>(spec.kernel)),
          "cudnnSetFilter4dDescriptor");
  }
  ~FilterDescriptor() { (void)cudnnDestroyFilterDescriptor(descriptor_); }
  FilterDescriptor(const FilterDescriptor&) = delete;
  FilterDescriptor& operator=(const FilterDescriptor&) = delete;
  [[nodiscard]] cudnnFilterDescriptor_t get() const { return descriptor_; }

 private:
  cudnnFilterDescriptor_t descriptor_ = nullptr;
};

// One per direction, since each carries the math type of its direction's algorithm.
class ConvolutionDescriptor {
 public:
  ConvolutionDescriptor(const Conv2dSpec& spec, const Settings& settings) {
    check(cudnnCreateConvolutionDescriptor(&descriptor_), "cudnnCreateConvolutionDescriptor");
    const int padding = static_cast<int>(spec.padding), stride = static_cast<int>(spec.stride);
    check(cudnnSetConvolution2dDescriptor(descriptor_, padding, padding, stride, stride, 1, 1, CUDNN_CROSS_CORRELATION,
                                          CUDNN_DATA_FLOAT),
          "cudnnSetConvolution2dDescriptor");
    set_math(settings.tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH);
  }
  ~ConvolutionDescriptor() { (void)cudnnDestroyConvolutionDescriptor(descriptor_); }
  ConvolutionDescriptor(const ConvolutionDescriptor&) = delete;
  ConvolutionDescriptor& operator=(const ConvolutionDescriptor&) = delete;
  [[nodiscard]] cudnnConvolutionDescriptor_t get() const { return descriptor_; }
  void set_math(cudnnMathType_t math) {
    check(cudnnSetConvolutionMathType(descriptor_, math), "cudnnSetConvolutionMathType");
  }

 private:
  cudnnConvolutionDescriptor_t descriptor_ = nullptr;
};

struct Plan {
  Plan(const Conv2dSpec& spec, const Settings& settings, const Shape4& src_shape)
      : src(src_shape),
        dst(spec.output_shape(src_shape)),
        src_descriptor(src),
        dst_descriptor(dst),
        filter(spec),
        forward(spec, settings),
        backward_data(spec, settings),
        backward_filter(spec, settings) {}

  Shape4 src, dst;
  TensorDescriptor src_descriptor, dst_descriptor;
  FilterDescriptor filter;
  ConvolutionDescriptor forward, backward_data, backward_filter;
  cudnnConvolutionFwdAlgo_t forward_algo{};
  cudnnConvolutionBwdDataAlgo_t data_algo{};
  cudnnConvolutionBwdFilterAlgo_t filter_algo{};
  std::size_t workspace = 0;
};

class CudaConv2d final : public Conv2dOp {
 public:
  CudaConv2d(ContextPtr context, const Conv2dSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.in_channels > 0 && spec.out_channels > 0 && spec.kernel > 0 && spec.stride > 0 && spec.padding >= 0,
            "conv2d needs positive channels, kernel and stride, and padding >= 0");
  }

  void forward(const Tensor& src, ConstVectorView weight, Tensor& dst) override {
    context_->activate();
    check_weight(weight);
    Plan& plan = plan_for(src.shape());
    float* out = prepare_dst(dst, plan.dst, *context_);
    const float one = 1.0F, zero = 0.0F;
    check(
        cudnnConvolutionForward(context_->cudnn(), &one, plan.src_descriptor.get(), data_of(src), plan.filter.get(),
                                weight.data, plan.forward.get(), plan.forward_algo, context_->workspace(plan.workspace),
                                plan.workspace, &zero, plan.dst_descriptor.get(), out),
        "cudnnConvolutionForward");
    last_ = &plan;
  }

  void backward_data(const Tensor& diff_dst, ConstVectorView weight, Tensor& diff_src) override {
    context_->activate();
    check_weight(weight);
    Plan& plan = plan_for_output(diff_dst.shape());
    float* out = prepare_dst(diff_src, plan.src, *context_);
    const float one = 1.0F, zero = 0.0F;
    check(cudnnConvolutionBackwardData(context_->cudnn(), &one, plan.filter.get(), weight.data,
                                       plan.dst_descriptor.get(), data_of(diff_dst), plan.backward_data.get(),
                                       plan.data_algo, context_->workspace(plan.workspace), plan.workspace, &zero,
                                       plan.src_descriptor.get(), out),
          "cudnnConvolutionBackwardData");
  }

  void backward_weights(const Tensor& src, const Tensor& diff_dst, VectorView diff_weight) override {
    context_->activate();
    check_weight(diff_weight);
    Plan& plan = plan_for(src.shape());
    require(diff_dst.shape() == plan.dst, "conv2d backward_weights: diff_dst " + to_string(diff_dst.shape()) +
                                              " does not match the output " + to_string(plan.dst));
    const float one = 1.0F, zero = 0.0F;
    check(cudnnConvolutionBackwardFilter(context_->cudnn(), &one, plan.src_descriptor.get(), data_of(src),
                                         plan.dst_descriptor.get(), data_of(diff_dst), plan.backward_filter.get(),
                                         plan.filter_algo, context_->workspace(plan.workspace), plan.workspace, &zero,
                                         plan.filter.get(), diff_weight.data),
          "cudnnConvolutionBackwardFilter");
  }

 private:
  void check_weight(ConstVectorView weight) const {
    require(weight.dtype == DType::f32 && weight.size == static_cast<std::size_t>(spec_.weight_count()),
            "conv2d weights must be " + std::to_string(spec_.weight_count()) + " f32 values (OIHW)");
  }

  Plan& plan_for(const Shape4& src) {
    require(src.c == spec_.in_channels && src.n > 0 && src.h + 2 * spec_.padding >= spec_.kernel &&
                src.w + 2 * spec_.padding >= spec_.kernel,
            "conv2d over " + std::to_string(spec_.in_channels) + " channels got " + to_string(src));
    for (auto& plan : plans_) {
      if (plan->src == src) return *plan;
    }
    plans_.push_back(make_plan(src));
    return *plans_.back();
  }

  // The plan whose output has this shape: the last forward's when it fits (the usual backward).
  Plan& plan_for_output(const Shape4& dst) {
    if (last_ != nullptr && last_->dst == dst) return *last_;
    for (auto& plan : plans_) {
      if (plan->dst == dst) return *plan;
    }
    throw std::invalid_argument("cuda backend: conv2d backward_data of " + to_string(dst) +
                                " without a forward of that output shape");
  }

  std::unique_ptr<Plan> make_plan(const Shape4& src) {
    const Settings& settings = context_->settings();
    auto plan = std::make_unique<Plan>(spec_, settings, src);
    int n = 0, c = 0, h = 0, w = 0;
    check(cudnnGetConvolution2dForwardOutputDim(plan->forward.get(), plan->src_descriptor.get(), plan->filter.get(), &n,
                                                &c, &h, &w),
          "cudnnGetConvolution2dForwardOutputDim");
    require(Shape4{n, c, h, w} == plan->dst,
            "cuDNN's convolution output " + to_string(Shape4{n, c, h, w}) + " differs from " + to_string(plan->dst));
    cudnnHandle_t handle = context_->cudnn();
    int returned = 0;
    std::array<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT> forward{};
    check(cudnnGetConvolutionForwardAlgorithm_v7(handle, plan->src_descriptor.get(), plan->filter.get(),
                                                 plan->forward.get(), plan->dst_descriptor.get(),
                                                 static_cast<int>(forward.size()), &returned, forward.data()),
          "cudnnGetConvolutionForwardAlgorithm_v7");
    const auto& forward_choice = choose(forward.data(), returned, settings, "forward");
    plan->forward_algo = forward_choice.algo;
    plan->forward.set_math(forward_choice.mathType);

    std::array<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT> data{};
    check(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, plan->filter.get(), plan->dst_descriptor.get(),
                                                      plan->backward_data.get(), plan->src_descriptor.get(),
                                                      static_cast<int>(data.size()), &returned, data.data()),
          "cudnnGetConvolutionBackwardDataAlgorithm_v7");
    const auto& data_choice = choose(data.data(), returned, settings, "backward-data");
    plan->data_algo = data_choice.algo;
    plan->backward_data.set_math(data_choice.mathType);

    std::array<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT> filter{};
    check(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, plan->src_descriptor.get(), plan->dst_descriptor.get(),
                                                        plan->backward_filter.get(), plan->filter.get(),
                                                        static_cast<int>(filter.size()), &returned, filter.data()),
          "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
    const auto& filter_choice = choose(filter.data(), returned, settings, "backward-filter");
    plan->filter_algo = filter_choice.algo;
    plan->backward_filter.set_math(filter_choice.mathType);

    std::size_t bytes = 0;
    check(cudnnGetConvolutionForwardWorkspaceSize(handle, plan->src_descriptor.get(), plan->filter.get(),
                                                  plan->forward.get(), plan->dst_descriptor.get(), plan->forward_algo,
                                                  &bytes),
          "cudnnGetConvolutionForwardWorkspaceSize");
    plan->workspace = bytes;
    check(cudnnGetConvolutionBackwardDataWorkspaceSize(handle, plan->filter.get(), plan->dst_descriptor.get(),
                                                       plan->backward_data.get(), plan->src_descriptor.get(),
                                                       plan->data_algo, &bytes),
          "cudnnGetConvolutionBackwardDataWorkspaceSize");
    plan->workspace = std::max(plan->workspace, bytes);
    check(cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, plan->src_descriptor.get(), plan->dst_descriptor.get(),
                                                         plan->backward_filter.get(), plan->filter.get(),
                                                         plan->filter_algo, &bytes),
          "cudnnGetConvolutionBackwardFilterWorkspaceSize");
    plan->workspace = std::max(plan->workspace, bytes);
    (void)context_->workspace(plan->workspace);  // allocated now, not inside a training step
    return plan;
  }

  ContextPtr context_;
  Conv2dSpec spec_;
  std::vector<std::unique_ptr<Plan>> plans_;
  Plan* last_ = nullptr;
};

}  // namespace

std::unique_ptr<Conv2dOp> make_conv2d(ContextPtr context, const Conv2dSpec& spec) {
  return std::make_unique<CudaConv2d>(std::move(context), spec);
}

}  // namespace thermo::cuda
