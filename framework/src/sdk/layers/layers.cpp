// The standard layers: shape checks, parameter declarations and calls into the backend ops.
#include <thermo/layers/layers.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace thermo::layers {
namespace {
const Shape4& single_input(std::span<const Shape4> src, std::string_view kind) {
  if (src.size() != 1) throw std::invalid_argument(fmt::format("{} takes one input, got {}", kind, src.size()));
  return src[0];
}

void require_channels(const Shape4& shape, std::int64_t channels, std::string_view kind) {
  if (shape.c != channels) {
    throw std::invalid_argument(fmt::format("{} expects {} channels, its input has {}", kind, channels, shape.c));
  }
}

// A kernel window fits at least once into the padded input.
bool window_fits(const Shape4& input, std::int64_t kernel, std::int64_t padding) {
  return input.h + 2 * padding >= kernel && input.w + 2 * padding >= kernel;
}

void require_ops(const void* op, std::string_view kind) {
  if (op == nullptr) throw std::logic_error(fmt::format("{}: create_ops was not called", kind));
}
}  // namespace

// --- Conv2d ---

Conv2d::Conv2d(const Conv2dSpec& spec, ParameterRole role) : spec_(spec), role_(role) {
  if (spec.in_channels < 1 || spec.out_channels < 1 || spec.kernel < 1 || spec.stride < 1 || spec.padding < 0) {
    throw std::invalid_argument("Conv2d: channels, kernel and stride must be positive, padding non-negative");
  }
}

Shape4 Conv2d::output_shape(std::span<const Shape4> src) const {
  const auto& input = single_input(src, kind());
  require_channels(input, spec_.in_channels, kind());
  if (!window_fits(input, spec_.kernel, spec_.padding)) {
    throw std::invalid_argument(
        fmt::format("conv2d with kernel {} does not fit an input of {}x{}", spec_.kernel, input.h, input.w));
  }
  return spec_.output_shape(input);
}

void Conv2d::create_ops(Backend& backend) {
  op_ = backend.make_conv2d(spec_);
}

void Conv2d::declare_parameters(ParameterLayout& layout, const std::string& name) {
  weight_handle_ = layout.declare({name + ".weight",
                                   {spec_.out_channels, spec_.in_channels, spec_.kernel, spec_.kernel},
                                   role_.scale_invariant,
                                   role_.trainable});
}

void Conv2d::bind_parameters(const ParameterLayout& layout, VectorView parameters, VectorView gradients) {
  weight_ = layout.view(weight_handle_, parameters);
  weight_gradient_ = layout.view(weight_handle_, gradients);
}

void Conv2d::forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& /*pass*/) {
  require_ops(op_.get(), kind());
  op_->forward(*src[0], weight_, dst);
}

void Conv2d::backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                      bool parameter_gradients) {
  if (diff_src[0] != nullptr) op_->backward_data(diff_dst, weight_, *diff_src[0]);
  if (parameter_gradients && role_.trainable) op_->backward_weights(*src[0], diff_dst, weight_gradient_);
}

// --- BatchNorm2d ---

BatchNorm2d::BatchNorm2d(std::int64_t channels, double eps, double momentum) {
  if (channels < 1 || !(eps > 0.0) || !(momentum >= 0.0 && momentum <= 1.0)) {
    throw std::invalid_argument("BatchNorm2d: channels >= 1, eps > 0 and momentum in [0, 1]");
  }
  spec_.channels = channels;
  spec_.eps = eps;
  spec_.momentum = momentum;
}

Shape4 BatchNorm2d::output_shape(std::span<const Shape4> src) const {
  const auto& input = single_input(src, kind());
  require_channels(input, spec_.channels, kind());
  return input;
}

void BatchNorm2d::create_ops(Backend& backend) {
  op_ = backend.make_batch_norm(spec_);
  const auto count = static_cast<std::size_t>(spec_.channels);
  running_mean_ = backend.allocate(count, DType::f32);
  running_var_ = backend.allocate(count, DType::f32);
  backend.fill(running_mean_->view(), 0.0);
  backend.fill(running_var_->view(), 1.0);
}

void BatchNorm2d::collect_buffers(const std::string& name, std::vector<NamedBuffer>& buffers) {
  require_ops(op_.get(), kind());
  buffers.push_back({name + ".running_mean", running_mean_->view()});
  buffers.push_back({name + ".running_var", running_var_->view()});
}

void BatchNorm2d::forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) {
  require_ops(op_.get(), kind());
  if (pass.mode == Mode::training) {
    op_->forward_training(*src[0], dst, running_mean_->view(), running_var_->view());
  } else {
    op_->forward_inference(*src[0], dst, running_mean_->view(), running_var_->view());
  }
}

void BatchNorm2d::backward(std::span<const Tensor* const> /*src*/, const Tensor& diff_dst,
                           std::span<Tensor* const> diff_src, bool /*parameter_gradients*/) {
  if (diff_src[0] != nullptr) op_->backward(diff_dst, *diff_src[0]);
}

// --- Relu ---

Shape4 Relu::output_shape(std::span<const Shape4> src) const {
  return single_input(src, kind());
}

void Relu::create_ops(Backend& backend) {
  if (!fused_) op_ = backend.make_relu();
}

void Relu::forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& /*pass*/) {
  if (fused_) throw std::logic_error("Relu::forward on a ReLU fused into its batch norm");
  require_ops(op_.get(), kind());
  op_->forward(*src[0], dst);
}

void Relu::backward(std::span<const Tensor* const> /*src*/, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                    bool /*parameter_gradients*/) {
  if (fused_) throw std::logic_error("Relu::backward on a ReLU fused into its batch norm");
  if (diff_src[0] != nullptr) op_->backward(diff_dst, *diff_src[0]);
}

// --- Pool2d ---

std::string_view Pool2d::kind() const {
  return spec_.kind == PoolKind::max ? "max_pool2d" : "avg_pool2d";
}

Shape4 Pool2d::output_shape(std::span<const Shape4> src) const {
  const auto& input = single_input(src, kind());
  if (spec_.kernel < 1 || spec_.stride < 1 || !window_fits(input, spec_.kernel, spec_.padding)) {
    throw std::invalid_argument(
        fmt::format("{} with kernel {} does not fit an input of {}x{}", kind(), spec_.kernel, input.h, input.w));
  }
  return spec_.output_shape(input);
}

void Pool2d::create_ops(Backend& backend) {
  if (!fused_) op_ = backend.make_pool(spec_);
}

void Pool2d::forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) {
  if (fused_) throw std::logic_error("Pool2d::forward on a pooling fused into its batch norm");
  require_ops(op_.get(), kind());
  op_->forward(*src[0], dst, pass.keep_for_backward);
}

void Pool2d::backward(std::span<const Tensor* const> /*src*/, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                      bool /*parameter_gradients*/) {
  if (fused_) throw std::logic_error("Pool2d::backward on a pooling fused into its batch norm");
  if (diff_src[0] != nullptr) op_->backward(diff_dst, *diff_src[0]);
}

// --- Linear ---

Linear::Linear(const LinearSpec& spec, ParameterRole role) : spec_(spec), role_(role) {
  if (spec.in_features < 1 || spec.out_features < 1) throw std::invalid_argument("Linear: features must be positive");
}

Shape4 Linear::output_shape(std::span<const Shape4> src) const {
  const auto& input = single_input(src, kind());
  if (input.h != 1 || input.w != 1) {
    throw std::invalid_argument(
        fmt::format("linear needs a 1x1 input (after a global pooling), got {}x{}", input.h, input.w));
  }
  require_channels(input, spec_.in_features, kind());
  return {input.n, spec_.out_features, 1, 1};
}

void Linear::create_ops(Backend& backend) {
  op_ = backend.make_linear(spec_);
}

void Linear::declare_parameters(ParameterLayout& layout, const std::string& name) {
  weight_handle_ = layout.declare(
      {name + ".weight", {spec_.out_features, spec_.in_features}, role_.scale_invariant, role_.trainable});
  if (spec_.bias) bias_handle_ = layout.declare({name + ".bias", {spec_.out_features}, false, role_.trainable});
}

void Linear::bind_parameters(const ParameterLayout& layout, VectorView parameters, VectorView gradients) {
  weight_ = layout.view(weight_handle_, parameters);
  weight_gradient_ = layout.view(weight_handle_, gradients);
  if (spec_.bias) {
    bias_ = layout.view(bias_handle_, parameters);
    bias_gradient_ = layout.view(bias_handle_, gradients);
  }
}

void Linear::forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& /*pass*/) {
  require_ops(op_.get(), kind());
  op_->forward(*src[0], weight_, bias_, dst);
}

void Linear::backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                      bool parameter_gradients) {
  if (diff_src[0] != nullptr) op_->backward_data(diff_dst, weight_, *diff_src[0]);
  if (parameter_gradients && role_.trainable) {
    op_->backward_weights(*src[0], diff_dst, weight_gradient_, bias_gradient_);
  }
}

// --- Add ---

Shape4 Add::output_shape(std::span<const Shape4> src) const {
  if (src.size() != 2) throw std::invalid_argument(fmt::format("add takes two inputs, got {}", src.size()));
  if (!(src[0] == src[1])) {
    throw std::invalid_argument(
        fmt::format("add of tensors of different shapes: {} and {}", to_string(src[0]), to_string(src[1])));
  }
  return src[0];
}

void Add::forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& /*pass*/) {
  require_ops(backend_, kind());
  backend_->add(*src[0], *src[1], dst);
}

void Add::backward(std::span<const Tensor* const> /*src*/, const Tensor& /*diff_dst*/,
                   std::span<Tensor* const> /*diff_src*/, bool /*parameter_gradients*/) {
  // The graph hands the diff to both inputs without a copy (passes_diff_through()).
  throw std::logic_error("Add::backward: the graph passes the diff through");
}

}  // namespace thermo::layers
