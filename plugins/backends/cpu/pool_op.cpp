// Max and average pooling on oneDNN in the layout of the input. Training forwards keep the max
// indices (oneDNN's workspace) for backward; average pooling counts the padding like PyTorch's
// AvgPool2d (count_include_pad = True).
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"

#include <optional>
#include <vector>

namespace thermo::cpu {
namespace {

using dnnl::memory;

class CpuPool final : public PoolOp {
 public:
  CpuPool(ContextPtr context, const PoolSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.kernel > 0 && spec.stride > 0 && spec.padding >= 0 && 2 * spec.padding <= spec.kernel,
            "pooling needs kernel, stride > 0 and 0 <= padding <= kernel / 2");
  }

  void forward(const Tensor& src, Tensor& dst, bool training) override {
    context_->use_threads();
    const auto& src_storage = storage_of(src);
    Plan& plan = plan_for(src.shape(), src_storage.desc());
    if (training) {
      auto& dst_storage = prepare_dst(dst, plan.dst_shape, plan.training_pd.dst_desc(), *context_);
      std::unordered_map<int, memory> arguments{{DNNL_ARG_SRC, src_storage.memory()},
                                                {DNNL_ARG_DST, dst_storage.memory()}};
      if (plan.workspace) arguments.emplace(DNNL_ARG_WORKSPACE, plan.workspace);
      context_->execute(plan.training, arguments);
      last_training_ = &plan;
      return;
    }
    if (!plan.inference) {
      plan.inference_pd = dnnl::pooling_forward::primitive_desc(forward_desc(dnnl::prop_kind::forward_inference, plan),
                                                                context_->engine());
      plan.inference = dnnl::pooling_forward(plan.inference_pd);
    }
    auto& dst_storage = prepare_dst(dst, plan.dst_shape, plan.inference_pd.dst_desc(), *context_);
    context_->execute(*plan.inference, {{DNNL_ARG_SRC, src_storage.memory()}, {DNNL_ARG_DST, dst_storage.memory()}});
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->use_threads();
    require(last_training_ != nullptr, "pooling backward needs a training forward first");
    Plan& plan = *last_training_;
    require(diff_dst.shape() == plan.dst_shape, "pooling backward: diff_dst " + to_string(diff_dst.shape()) +
                                                    " does not match the last forward's " + to_string(plan.dst_shape));
    if (!plan.backward) {
      const dnnl::pooling_backward::desc descriptor(algorithm(), plan.src_desc, plan.training_pd.dst_desc(), strides(),
                                                    kernel(), paddings(), right_paddings(plan));
      plan.backward = dnnl::pooling_backward(
          dnnl::pooling_backward::primitive_desc(descriptor, context_->engine(), plan.training_pd));
    }
    const auto& diff_dst_memory =
        plan.diff_dst_converter.to(storage_of(diff_dst).memory(), plan.training_pd.dst_desc(), *context_);
    auto& diff_src_storage = prepare_dst(diff_src, plan.src_shape, plan.src_desc, *context_);
    std::unordered_map<int, memory> arguments{{DNNL_ARG_DIFF_DST, diff_dst_memory},
                                              {DNNL_ARG_DIFF_SRC, diff_src_storage.memory()}};
    if (plan.workspace) arguments.emplace(DNNL_ARG_WORKSPACE, plan.workspace);
    context_->execute(*plan.backward, arguments);
  }

 private:
  struct Plan {
    Shape4 src_shape;
    Shape4 dst_shape;
    memory::desc src_desc;
    dnnl::pooling_forward::primitive_desc training_pd;
    dnnl::pooling_forward training;
    memory workspace;  // max indices
    dnnl::pooling_forward::primitive_desc inference_pd;
    std::optional<dnnl::pooling_forward> inference;
    std::optional<dnnl::pooling_backward> backward;
    LayoutConverter diff_dst_converter;
  };

  [[nodiscard]] dnnl::algorithm algorithm() const {
    return spec_.kind == PoolKind::max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_include_padding;
  }
  [[nodiscard]] memory::dims strides() const { return {spec_.stride, spec_.stride}; }
  [[nodiscard]] memory::dims kernel() const { return {spec_.kernel, spec_.kernel}; }
  [[nodiscard]] memory::dims paddings() const { return {spec_.padding, spec_.padding}; }
  // oneDNN wants the right padding that makes (src + left + right - kernel) / stride + 1 exact.
  [[nodiscard]] memory::dims right_paddings(const Plan& plan) const {
    return {(plan.dst_shape.h - 1) * spec_.stride + spec_.kernel - plan.src_shape.h - spec_.padding,
            (plan.dst_shape.w - 1) * spec_.stride + spec_.kernel - plan.src_shape.w - spec_.padding};
  }

  [[nodiscard]] dnnl::pooling_forward::desc forward_desc(dnnl::prop_kind kind, const Plan& plan) const {
    const memory::desc dst_desc(dims_of(plan.dst_shape), memory::data_type::f32, memory::format_tag::any);
    return {kind, algorithm(), plan.src_desc, dst_desc, strides(), kernel(), paddings(), right_paddings(plan)};
  }

  Plan& plan_for(const Shape4& shape, const memory::desc& src_desc) {
    for (auto& plan : plans_) {
      if (plan->src_shape == shape && plan->src_desc == src_desc) return *plan;
    }
    const Shape4 dst_shape = spec_.output_shape(shape);
    require(shape.n > 0 && dst_shape.h > 0 && dst_shape.w > 0,
            "pooling: src " + to_string(shape) + " is smaller than the kernel");
    auto plan = std::make_unique<Plan>();
    plan->src_shape = shape;
    plan->dst_shape = dst_shape;
    plan->src_desc = src_desc;
    plan->training_pd = dnnl::pooling_forward::primitive_desc(forward_desc(dnnl::prop_kind::forward_training, *plan),
                                                              context_->engine());
    plan->training = dnnl::pooling_forward(plan->training_pd);
    if (spec_.kind == PoolKind::max) {
      plan->workspace = memory(plan->training_pd.workspace_desc(), context_->engine());
    }
    plans_.push_back(std::move(plan));
    return *plans_.back();
  }

  ContextPtr context_;
  PoolSpec spec_;
  std::vector<std::unique_ptr<Plan>> plans_;
  Plan* last_training_ = nullptr;
};

}  // namespace

std::unique_ptr<PoolOp> make_pool(ContextPtr context, const PoolSpec& spec) {
  return std::make_unique<CpuPool>(std::move(context), spec);
}

}  // namespace thermo::cpu
