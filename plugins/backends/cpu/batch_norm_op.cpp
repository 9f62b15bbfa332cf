// Batch norm without affine parameters on oneDNN, in the layout of its input. Training uses the
// batch statistics (oneDNN's variance is the biased one) and updates the running statistics
// like PyTorch (unbiased variance); a fused ReLU uses oneDNN's fuse_norm_relu and its workspace.
// Backward reads the src of the last training forward, so src must not be overwritten (no
// in-place forward) until then.
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"

#include <thermo/error.hpp>

#include <optional>
#include <vector>

namespace thermo::cpu {
namespace {

using dnnl::memory;

class CpuBatchNorm final : public BatchNormOp {
 public:
  CpuBatchNorm(ContextPtr context, const BatchNormSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.channels > 0, "batch norm needs a positive channel count");
    require(spec.eps > 0.0, "batch norm needs eps > 0");
  }

  void forward_training(const Tensor& src, Tensor& dst, VectorView running_mean, VectorView running_var) override {
    context_->use_threads();
    check_statistics(running_mean, running_var);
    const std::int64_t count = src.shape().n * src.shape().h * src.shape().w;
    if (count < 2) {
      throw UserError("batch norm in training mode needs more than one value per channel (got input " +
                      to_string(src.shape()) + "): use a batch size of at least 2");
    }
    const auto& src_storage = storage_of(src);
    Plan& plan = plan_for(src.shape(), src_storage.desc());
    auto& dst_storage = prepare_dst(dst, plan.shape, plan.data_desc, *context_);
    std::unordered_map<int, memory> arguments{{DNNL_ARG_SRC, src_storage.memory()},
                                              {DNNL_ARG_DST, dst_storage.memory()},
                                              {DNNL_ARG_MEAN, plan.mean},
                                              {DNNL_ARG_VARIANCE, plan.variance}};
    if (plan.workspace) arguments.emplace(DNNL_ARG_WORKSPACE, plan.workspace);
    context_->execute(plan.training, arguments);

    const auto* batch_mean = static_cast<const float*>(plan.mean.get_data_handle());
    const auto* batch_var = static_cast<const float*>(plan.variance.get_data_handle());
    auto* mean = static_cast<float*>(running_mean.data);
    auto* var = static_cast<float*>(running_var.data);
    const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    const double keep = 1.0 - spec_.momentum;
    for (std::int64_t channel = 0; channel < spec_.channels; ++channel) {
      mean[channel] = static_cast<float>(keep * static_cast<double>(mean[channel]) +
                                         spec_.momentum * static_cast<double>(batch_mean[channel]));
      var[channel] = static_cast<float>(keep * static_cast<double>(var[channel]) +
                                        spec_.momentum * unbias * static_cast<double>(batch_var[channel]));
    }
    last_training_ = &plan;
    last_src_ = src;
  }

  void forward_inference(const Tensor& src, Tensor& dst, ConstVectorView running_mean,
                         ConstVectorView running_var) override {
    context_->use_threads();
    check_statistics(running_mean, running_var);
    const auto& src_storage = storage_of(src);
    Plan& plan = plan_for(src.shape(), src_storage.desc());
    if (!plan.inference) {
      auto flags = dnnl::normalization_flags::use_global_stats;
      if (spec_.fuse_relu) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
      const dnnl::batch_normalization_forward::desc descriptor(dnnl::prop_kind::forward_inference, plan.data_desc,
                                                               static_cast<float>(spec_.eps), flags);
      plan.inference = dnnl::batch_normalization_forward(
          dnnl::batch_normalization_forward::primitive_desc(descriptor, context_->engine()));
    }
    auto& dst_storage = prepare_dst(dst, plan.shape, plan.data_desc, *context_);
    const memory::desc statistics_desc({spec_.channels}, memory::data_type::f32, memory::format_tag::x);
    // Inference only reads the statistics.
    const memory mean(statistics_desc, context_->engine(), const_cast<void*>(running_mean.data));
    const memory var(statistics_desc, context_->engine(), const_cast<void*>(running_var.data));
    context_->execute(*plan.inference, {{DNNL_ARG_SRC, src_storage.memory()},
                                        {DNNL_ARG_DST, dst_storage.memory()},
                                        {DNNL_ARG_MEAN, mean},
                                        {DNNL_ARG_VARIANCE, var}});
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->use_threads();
    require(last_training_ != nullptr, "batch norm backward needs a training forward first");
    Plan& plan = *last_training_;
    require(diff_dst.shape() == plan.shape, "batch norm backward: diff_dst " + to_string(diff_dst.shape()) +
                                                " does not match the last forward's " + to_string(plan.shape));
    const auto& src_storage = storage_of(last_src_);
    require(src_storage.desc() == plan.data_desc, "batch norm backward: the forward's src was overwritten");
    if (!plan.backward) {
      const dnnl::batch_normalization_backward::desc descriptor(dnnl::prop_kind::backward_data, plan.data_desc,
                                                                plan.data_desc, static_cast<float>(spec_.eps),
                                                                training_flags());
      plan.backward = dnnl::batch_normalization_backward(
          dnnl::batch_normalization_backward::primitive_desc(descriptor, context_->engine(), plan.training_pd));
    }
    const auto& diff_dst_memory = plan.diff_dst_converter.to(storage_of(diff_dst).memory(), plan.data_desc, *context_);
    auto& diff_src_storage = prepare_dst(diff_src, plan.shape, plan.data_desc, *context_);
    std::unordered_map<int, memory> arguments{{DNNL_ARG_SRC, src_storage.memory()},
                                              {DNNL_ARG_MEAN, plan.mean},
                                              {DNNL_ARG_VARIANCE, plan.variance},
                                              {DNNL_ARG_DIFF_DST, diff_dst_memory},
                                              {DNNL_ARG_DIFF_SRC, diff_src_storage.memory()}};
    if (plan.workspace) arguments.emplace(DNNL_ARG_WORKSPACE, plan.workspace);
    context_->execute(*plan.backward, arguments);
  }

 private:
  struct Plan {
    Shape4 shape;
    memory::desc data_desc;
    dnnl::batch_normalization_forward::primitive_desc training_pd;
    dnnl::batch_normalization_forward training;
    memory mean;
    memory variance;   // biased, as oneDNN computes it
    memory workspace;  // the fused ReLU's mask
    std::optional<dnnl::batch_normalization_forward> inference;
    std::optional<dnnl::batch_normalization_backward> backward;
    LayoutConverter diff_dst_converter;
  };

  [[nodiscard]] dnnl::normalization_flags training_flags() const {
    return spec_.fuse_relu ? dnnl::normalization_flags::fuse_norm_relu : dnnl::normalization_flags::none;
  }

  void check_statistics(ConstVectorView mean, ConstVectorView var) const {
    const auto channels = static_cast<std::size_t>(spec_.channels);
    require(mean.dtype == DType::f32 && var.dtype == DType::f32 && mean.size == channels && var.size == channels,
            "batch norm running statistics must be f32 vectors of " + std::to_string(channels) + " elements");
  }

  Plan& plan_for(const Shape4& shape, const memory::desc& data_desc) {
    for (auto& plan : plans_) {
      if (plan->shape == shape && plan->data_desc == data_desc) return *plan;
    }
    require(shape.c == spec_.channels && shape.n > 0,
            "batch norm over " + std::to_string(spec_.channels) + " channels got " + to_string(shape));
    auto plan = std::make_unique<Plan>();
    plan->shape = shape;
    plan->data_desc = data_desc;
    const dnnl::batch_normalization_forward::desc descriptor(dnnl::prop_kind::forward_training, data_desc,
                                                             static_cast<float>(spec_.eps), training_flags());
    plan->training_pd = dnnl::batch_normalization_forward::primitive_desc(descriptor, context_->engine());
    plan->training = dnnl::batch_normalization_forward(plan->training_pd);
    plan->mean = memory(plan->training_pd.mean_desc(), context_->engine());
    plan->variance = memory(plan->training_pd.variance_desc(), context_->engine());
    if (spec_.fuse_relu) plan->workspace = memory(plan->training_pd.workspace_desc(), context_->engine());
    plans_.push_back(std::move(plan));
    return *plans_.back();
  }

  ContextPtr context_;
  BatchNormSpec spec_;
  std::vector<std::unique_ptr<Plan>> plans_;
  Plan* last_training_ = nullptr;
  Tensor last_src_;
};

}  // namespace

std::unique_ptr<BatchNormOp> make_batch_norm(ContextPtr context, const BatchNormSpec& spec) {
  return std::make_unique<CpuBatchNorm>(std::move(context), spec);
}

}  // namespace thermo::cpu
