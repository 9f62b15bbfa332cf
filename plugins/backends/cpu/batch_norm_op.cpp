// Batch norm without affine parameters, in the layout of its input (batch_norm_kernels.hpp: the
// statistics in float64, PyTorch's semantics: normalisation with the biased variance and eps
// inside the square root, running variance updated with the unbiased one). Not oneDNN's: its
// float32 statistics lose the variance of inputs with a large mean against their spread (2e-4
// relative on ResNet-18's post-ReLU shortcut inputs). A fused ReLU's mask is recomputed in
// backward from src and the statistics, bit for bit as the forward computed it. Backward reads
// the src of the last training forward, so src must not be overwritten (no in-place forward)
// until then. Layouts that are not channel blocks are converted to plain NCHW (never produced by
// this backend's ops). With a fused max pooling the output is pooled in the same pass (the
// normalised tensor is never written) and backward takes the pooled diff: the pooling backward,
// the ReLU mask and the normalisation's gradient in a pass over the pooled output (the windows'
// maxima, so that output must not be overwritten before backward either) and one over src.
#include "batch_norm_kernels.hpp"
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"

#include <thermo/error.hpp>

#include <vector>

namespace thermo::cpu {
namespace {

using dnnl::memory;

// An input in a layout the kernels read: the tensor's own memory or a plain NCHW copy.
struct Input {
  memory data;
  ChannelBlocks layout;
};

class CpuBatchNorm final : public BatchNormOp {
 public:
  CpuBatchNorm(ContextPtr context, const BatchNormSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.channels > 0, "batch norm needs a positive channel count");
    require(spec.eps > 0.0, "batch norm needs eps > 0");
    require(spec.fused_max_pool == 0 || spec.fused_max_pool >= 2,
            "batch norm: a fused max pooling needs a window >= 2");
  }

  void forward_training(const Tensor& src, Tensor& dst, VectorView running_mean, VectorView running_var) override {
    context_->use_threads();
    check_statistics(running_mean, running_var);
    check_shape(src.shape());
    const std::int64_t count = src.shape().n * src.shape().h * src.shape().w;
    if (count < 2) {
      throw UserError("batch norm in training mode needs more than one value per channel (got input " +
                      to_string(src.shape()) + "): use a batch size of at least 2");
    }
    const auto& src_storage = storage_of(src);
    const Input input = readable(src_storage.memory(), src.shape(), training_converter_);
    const auto channels = static_cast<std::size_t>(spec_.channels);
    std::vector<double> mean(channels), variance(channels);
    batch_statistics(data_of(input.data), input.layout, context_->threads(), mean, variance);
    normalisation_ = make_normalisation(mean, variance, spec_.eps, input.layout);
    write_output(input, src.shape(), normalisation_, dst);
    if (spec_.fused_max_pool != 0) {
      last_dst_ = dst;
      last_dst_desc_ = storage_of(dst).desc();
    }

    auto* running_mean_values = static_cast<float*>(running_mean.data);
    auto* running_var_values = static_cast<float*>(running_var.data);
    const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    const double keep = 1.0 - spec_.momentum;
    for (std::size_t channel = 0; channel < channels; ++channel) {
      running_mean_values[channel] =
          static_cast<float>(keep * static_cast<double>(running_mean_values[channel]) + spec_.momentum * mean[channel]);
      running_var_values[channel] = static_cast<float>(keep * static_cast<double>(running_var_values[channel]) +
                                                       spec_.momentum * unbias * variance[channel]);
    }
    last_input_ = input;
    last_src_ = src;
    last_src_desc_ = src_storage.desc();
  }

  void forward_inference(const Tensor& src, Tensor& dst, ConstVectorView running_mean,
                         ConstVectorView running_var) override {
    context_->use_threads();
    check_statistics(running_mean, running_var);
    check_shape(src.shape());
    const Input input = readable(storage_of(src).memory(), src.shape(), inference_converter_);
    const auto channels = static_cast<std::size_t>(spec_.channels);
    const auto* mean_values = static_cast<const float*>(running_mean.data);
    const auto* var_values = static_cast<const float*>(running_var.data);
    const std::vector<double> mean(mean_values, mean_values + channels);
    const std::vector<double> variance(var_values, var_values + channels);
    write_output(input, src.shape(), make_normalisation(mean, variance, spec_.eps, input.layout), dst);
  }

  void backward(const Tensor& diff_dst, Tensor& diff_src) override {
    context_->use_threads();
    require(!last_src_.empty(), "batch norm backward needs a training forward first");
    const Shape4 output = output_shape(last_src_.shape());
    require(diff_dst.shape() == output, "batch norm backward: diff_dst " + to_string(diff_dst.shape()) +
                                            " does not match the last forward's output " + to_string(output));
    require(storage_of(last_src_).desc() == last_src_desc_, "batch norm backward: the forward's src was overwritten");
    const auto& desc = last_input_.data.get_desc();
    const float* src = data_of(last_input_.data);
    auto& diff_src_storage = prepare_dst(diff_src, last_src_.shape(), desc, *context_);
    if (spec_.fused_max_pool == 0) {
      const auto diff_dst_memory = diff_dst_converter_.to(storage_of(diff_dst).memory(), desc, *context_);
      normalise_backward(src, data_of(diff_dst_memory), diff_src_storage.data(), last_input_.layout, normalisation_,
                         spec_.fuse_relu, context_->threads());
      return;
    }
    const auto pooled_desc = same_kind_of_layout(desc, dims_of(output));
    require(storage_of(last_dst_).desc() == last_dst_desc_ && last_dst_desc_ == pooled_desc,
            "batch norm backward: the forward's pooled output was overwritten");
    const auto diff_dst_memory = diff_dst_converter_.to(storage_of(diff_dst).memory(), pooled_desc, *context_);
    normalise_max_pool_backward(src, data_of(storage_of(last_dst_).memory()), data_of(diff_dst_memory),
                                diff_src_storage.data(), last_input_.layout, *channel_blocks(pooled_desc),
                                windows(last_src_.shape()), normalisation_, spec_.fuse_relu, context_->threads());
  }

 private:
  static float* data_of(const memory& data) { return static_cast<float*>(data.get_data_handle()); }

  [[nodiscard]] PoolWindows windows(const Shape4& shape) const { return {shape.h, shape.w, spec_.fused_max_pool}; }
  [[nodiscard]] Shape4 output_shape(const Shape4& src) const {
    if (spec_.fused_max_pool == 0) return src;
    const auto pooled = windows(src);
    return {src.n, src.c, pooled.pooled_height(), pooled.pooled_width()};
  }

  // dst = the normalised input (ReLU, max pooling as the spec fuses them), in the input's layout.
  void write_output(const Input& input, const Shape4& shape, const Normalisation& normalisation, Tensor& dst) const {
    const auto& desc = input.data.get_desc();
    const float* src = data_of(input.data);
    if (spec_.fused_max_pool == 0) {
      auto& dst_storage = prepare_dst(dst, shape, desc, *context_);
      normalise(src, dst_storage.data(), input.layout, normalisation, spec_.fuse_relu, context_->threads());
      return;
    }
    const Shape4 output = output_shape(shape);
    const auto pooled_desc = same_kind_of_layout(desc, dims_of(output));
    auto& dst_storage = prepare_dst(dst, output, pooled_desc, *context_);
    normalise_max_pool(src, dst_storage.data(), input.layout, *channel_blocks(pooled_desc), windows(shape),
                       normalisation, spec_.fuse_relu, context_->threads());
  }

  // src itself when the kernels read its layout, else a plain NCHW copy in the converter's
  // scratch (kept until the converter's next use).
  Input readable(const memory& src, const Shape4& shape, LayoutConverter& converter) const {
    if (auto layout = channel_blocks(src.get_desc())) return {src, *layout};
    const auto plain = converter.to(src, plain_desc(shape), *context_);
    return {plain, *channel_blocks(plain.get_desc())};
  }

  void check_shape(const Shape4& shape) const {
    require(shape.c == spec_.channels && shape.n > 0 && shape.h > 0 && shape.w > 0,
            "batch norm over " + std::to_string(spec_.channels) + " channels got " + to_string(shape));
    require(
        shape.h >= spec_.fused_max_pool && shape.w >= spec_.fused_max_pool,
        "batch norm with a fused max pooling of " + std::to_string(spec_.fused_max_pool) + " got " + to_string(shape));
  }

  void check_statistics(ConstVectorView mean, ConstVectorView var) const {
    const auto channels = static_cast<std::size_t>(spec_.channels);
    require(mean.dtype == DType::f32 && var.dtype == DType::f32 && mean.size == channels && var.size == channels,
            "batch norm running statistics must be f32 vectors of " + std::to_string(channels) + " elements");
  }

  ContextPtr context_;
  BatchNormSpec spec_;
  // The last training forward: its src (kept alive and checked), the layout the kernels read it
  // in, its normalisation, and with a fused pooling its output (kept alive and checked).
  Tensor last_src_;
  memory::desc last_src_desc_;
  Tensor last_dst_;
  memory::desc last_dst_desc_;
  Input last_input_;
  Normalisation normalisation_;
  LayoutConverter training_converter_;
  LayoutConverter inference_converter_;
  LayoutConverter diff_dst_converter_;
};

}  // namespace

std::unique_ptr<BatchNormOp> make_batch_norm(ContextPtr context, const BatchNormSpec& spec) {
  return std::make_unique<CpuBatchNorm>(std::move(context), spec);
}

}  // namespace thermo::cpu
