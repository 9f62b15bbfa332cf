// ReLU on oneDNN in the layout of its input. Backward uses the forward's dst (dst > 0 exactly
// where src > 0), which also keeps it right when a caller runs the forward in place.
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"

#include <optional>
#include <vector>

namespace thermo::cpu {
namespace {

using dnnl::memory;

class CpuRelu final : public ReluOp {
 public:
  explicit CpuRelu(ContextPtr context) : context_(std::move(context)) {}

  void forward(const Tensor& src, Tensor& dst) override {
    context_->use_threads();
    const auto& src_storage = storage_of(src);
    Plan& plan = plan_for(src.shape(), src_storage.desc());
    auto& dst_storage = prepare_dst(dst, plan.shape, plan.data_desc, *context_);
    context_->execute(plan.forward, {{DNNL_ARG_SRC, src_storage.memory()}, {DNNL_ARG_DST, dst_storage.memory()}});
    last_ = &plan;
    last_dst_ = dst;
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->use_threads();
    require(last_ != nullptr, "relu backward needs a forward first");
    Plan& plan = *last_;
    require(diff_dst.shape() == plan.shape, "relu backward: diff_dst " + to_string(diff_dst.shape()) +
                                                " does not match the last forward's " + to_string(plan.shape));
    const auto& dst_storage = storage_of(last_dst_);
    require(dst_storage.desc() == plan.data_desc, "relu backward: the forward's dst was overwritten");
    if (!plan.backward) {
      const dnnl::eltwise_backward::desc descriptor(dnnl::algorithm::eltwise_relu_use_dst_for_bwd, plan.data_desc,
                                                    plan.data_desc, 0.0F, 0.0F);
      plan.backward = dnnl::eltwise_backward(
          dnnl::eltwise_backward::primitive_desc(descriptor, context_->engine(), plan.forward_pd));
    }
    const auto& diff_dst_memory = plan.diff_dst_converter.to(storage_of(diff_dst).memory(), plan.data_desc, *context_);
    auto& diff_src_storage = prepare_dst(diff_src, plan.shape, plan.data_desc, *context_);
    context_->execute(*plan.backward, {{DNNL_ARG_DST, dst_storage.memory()},
                                       {DNNL_ARG_DIFF_DST, diff_dst_memory},
                                       {DNNL_ARG_DIFF_SRC, diff_src_storage.memory()}});
  }

 private:
  struct Plan {
    Shape4 shape;
    memory::desc data_desc;
    dnnl::eltwise_forward::primitive_desc forward_pd;
    dnnl::eltwise_forward forward;
    std::optional<dnnl::eltwise_backward> backward;
    LayoutConverter diff_dst_converter;
  };

  Plan& plan_for(const Shape4& shape, const memory::desc& data_desc) {
    for (auto& plan : plans_) {
      if (plan->shape == shape && plan->data_desc == data_desc) return *plan;
    }
    auto plan = std::make_unique<Plan>();
    plan->shape = shape;
    plan->data_desc = data_desc;
    const dnnl::eltwise_forward::desc descriptor(dnnl::prop_kind::forward_training,
                                                 dnnl::algorithm::eltwise_relu_use_dst_for_bwd, data_desc, 0.0F, 0.0F);
    plan->forward_pd = dnnl::eltwise_forward::primitive_desc(descriptor, context_->engine());
    plan->forward = dnnl::eltwise_forward(plan->forward_pd);
    plans_.push_back(std::move(plan));
    return *plans_.back();
  }

  ContextPtr context_;
  std::vector<std::unique_ptr<Plan>> plans_;
  Plan* last_ = nullptr;
  Tensor last_dst_;
};

}  // namespace

std::unique_ptr<ReluOp> make_relu(ContextPtr context) {
  return std::make_unique<CpuRelu>(std::move(context));
}

}  // namespace thermo::cpu
