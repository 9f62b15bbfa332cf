// Convolution on oneDNN: src, weights and dst layouts are `any` (the kernel's choice, nChw16c on
// AVX-512), except for convolutions with few channels, which run channels-last or in 8-channel
// blocks (see activation_layouts). The OIHW parameter buffer is reordered to the kernel's weight layout per
// call and weight gradients are reordered back into the OIHW gradient buffer. With the backend's
// `winograd` setting, 3×3 stride-1 convolutions with many channels use Winograd kernels
// (winograd_fits, per pass: the backward passes from fewer channels than the forward), each pass
// whose Winograd scratchpad fits kWinogradScratchpadLimit (the others run direct). With the
// `thin_convolutions` setting (on by default), the forward and backward-data passes that
// thin_conv_kernels.hpp takes run thermo's own kernels instead, reading plain NCHW or
// channels-last and writing channels-last. On machines where oneDNN has no Winograd kernels, or
// with `winograd_kernels: thermo`, the `winograd` setting runs thermo's own (winograd_kernels.hpp)
// for the convolutions they fit, all three passes channels-last.
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"
#include "thin_conv_kernels.hpp"
#include "winograd_kernels.hpp"

#include <thermo/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace thermo::cpu {
namespace {

using dnnl::memory;

class CpuConv2d final : public Conv2dOp {
 public:
  CpuConv2d(ContextPtr context, const Conv2dSpec& spec)
      : context_(std::move(context)),
        spec_(spec),
        activation_layouts_(activation_layouts(spec)),
        forward_algorithm_(preferred_algorithm(spec, ConvPass::forward)),
        backward_algorithm_(preferred_algorithm(spec, ConvPass::backward)),
        thin_forward_(context_->thin_convolutions() && thin_conv::fits_forward(spec)),
        thin_backward_data_(context_->thin_convolutions() && thin_conv::fits_backward_data(spec)),
        own_winograd_(runs_own_winograd(spec)) {
    require(spec.in_channels > 0 && spec.out_channels > 0, "conv2d needs positive channel counts");
    require(spec.kernel > 0 && spec.stride > 0 && spec.padding >= 0, "conv2d needs kernel, stride > 0, padding >= 0");
  }

  void forward(const Tensor& src, ConstVectorView weight, Tensor& dst) override {
    context_->use_threads();
    Plan& plan = plan_for(src.shape());
    last_forward_ = &plan;
    if (own_winograd_) {
      const auto& src_memory = plan.src_converter.to(storage_of(src), channels_last_desc(plan.src_shape), *context_);
      auto& dst_storage = prepare_dst(dst, plan.dst_shape, channels_last_desc(plan.dst_shape), *context_);
      winograd::forward(static_cast<const float*>(src_memory.get_data_handle()), weight_data(weight),
                        dst_storage.data(), geometry(plan), context_->threads());
      return;
    }
    if (thin_forward_) {
      const Readable input = readable(plan.src_converter, src, plan.src_shape);
      auto& dst_storage = prepare_dst(dst, plan.dst_shape, channels_last_desc(plan.dst_shape), *context_);
      thin_conv::forward(input.data, input.strides, weight_data(weight), dst_storage.data(), geometry(plan),
                         context_->threads());
      return;
    }
    const auto& src_memory = plan.src_converter.to(storage_of(src), plan.forward_pd.src_desc(), *context_);
    const auto& weights = plan.weights_converter.to(user_weights(weight), plan.forward_pd.weights_desc(), *context_);
    auto& dst_storage = prepare_dst(dst, plan.dst_shape, plan.forward_pd.dst_desc(), *context_);
    context_->execute(plan.forward,
                      {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst_storage.memory()}});
  }

  void backward_data(const Tensor& diff_dst, ConstVectorView weight, Tensor& diff_src) override {
    context_->use_threads();
    Plan& plan = plan_for_output(diff_dst.shape(), diff_src);
    if (own_winograd_ || thin_backward_data_) {  // thermo's kernels, channels-last in and out
      const auto diff_dst_memory =
          plan.data_diff_dst_converter.to(storage_of(diff_dst).memory(), channels_last_desc(plan.dst_shape), *context_);
      auto& diff_src_storage = prepare_dst(diff_src, plan.src_shape, channels_last_desc(plan.src_shape), *context_);
      const auto kernel = own_winograd_ ? winograd::backward_data : thin_conv::backward_data;
      kernel(static_cast<const float*>(diff_dst_memory.get_data_handle()), weight_data(weight), diff_src_storage.data(),
             geometry(plan), context_->threads());
      return;
    }
    if (!plan.backward_data) {
      auto make = [&](dnnl::algorithm algorithm, bool allow_empty, const dnnl::primitive_attr& attr = {}) {
        const dnnl::convolution_backward_data::desc descriptor(
            algorithm, any_desc(plan.src_shape, plan.layouts.src), any_weights_desc(),
            any_desc(plan.dst_shape, plan.layouts.dst), strides(), paddings(), paddings());
        return dnnl::convolution_backward_data::primitive_desc(descriptor, attr, context_->engine(), plan.forward_pd,
                                                               allow_empty);
      };
      plan.backward_data_pd = make(pass_algorithm(backward_algorithm_, make), true);
      if (!plan.backward_data_pd) plan.backward_data_pd = make(dnnl::algorithm::convolution_direct, false);
      plan.backward_data = dnnl::convolution_backward_data(plan.backward_data_pd);
    }
    const auto& pd = plan.backward_data_pd;
    const auto& diff_dst_memory =
        plan.data_diff_dst_converter.to(storage_of(diff_dst).memory(), pd.diff_dst_desc(), *context_);
    const auto& weights = plan.data_weights_converter.to(user_weights(weight), pd.weights_desc(), *context_);
    auto& diff_src_storage = prepare_dst(diff_src, plan.src_shape, pd.diff_src_desc(), *context_);
    context_->execute(*plan.backward_data, {{DNNL_ARG_DIFF_DST, diff_dst_memory},
                                            {DNNL_ARG_WEIGHTS, weights},
                                            {DNNL_ARG_DIFF_SRC, diff_src_storage.memory()}});
  }

  void backward_weights(const Tensor& src, const Tensor& diff_dst, VectorView diff_weight) override {
    context_->use_threads();
    Plan& plan = plan_for(src.shape());
    require(diff_dst.shape() == plan.dst_shape, "conv2d backward_weights: diff_dst " + to_string(diff_dst.shape()) +
                                                    " does not match the output " + to_string(plan.dst_shape));
    require(
        diff_weight.dtype == DType::f32 && diff_weight.size == static_cast<std::size_t>(spec_.weight_count()),
        "conv2d backward_weights: diff_weight must be f32 with " + std::to_string(spec_.weight_count()) + " elements");
    if (own_winograd_) {
      const auto& src_memory =
          plan.weights_src_converter.to(storage_of(src), channels_last_desc(plan.src_shape), *context_);
      const auto diff_dst_memory = plan.weights_diff_dst_converter.to(storage_of(diff_dst).memory(),
                                                                      channels_last_desc(plan.dst_shape), *context_);
      winograd::backward_weights(static_cast<const float*>(src_memory.get_data_handle()),
                                 static_cast<const float*>(diff_dst_memory.get_data_handle()),
                                 static_cast<float*>(diff_weight.data), geometry(plan), context_->threads());
      return;
    }
    if (!plan.backward_weights) {
      const auto layouts = backward_weights_layouts(spec_, plan.layouts);
      auto make = [&](dnnl::algorithm algorithm, bool allow_empty, const dnnl::primitive_attr& attr = {}) {
        const dnnl::convolution_backward_weights::desc descriptor(
            algorithm, any_desc(plan.src_shape, layouts.src), any_weights_desc(), any_desc(plan.dst_shape, layouts.dst),
            strides(), paddings(), paddings());
        return dnnl::convolution_backward_weights::primitive_desc(descriptor, attr, context_->engine(), plan.forward_pd,
                                                                  allow_empty);
      };
      plan.backward_weights_pd = make(pass_algorithm(backward_algorithm_, make), true);
      if (!plan.backward_weights_pd) plan.backward_weights_pd = make(dnnl::algorithm::convolution_direct, false);
      plan.backward_weights = dnnl::convolution_backward_weights(plan.backward_weights_pd);
    }
    const auto& pd = plan.backward_weights_pd;
    const auto& src_memory = plan.weights_src_converter.to(storage_of(src), pd.src_desc(), *context_);
    const auto& diff_dst_memory =
        plan.weights_diff_dst_converter.to(storage_of(diff_dst).memory(), pd.diff_dst_desc(), *context_);
    const memory user_diff(plain_weights_desc(), context_->engine(), diff_weight.data);
    if (pd.diff_weights_desc() == plain_weights_desc()) {
      context_->execute(
          *plan.backward_weights,
          {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_DIFF_DST, diff_dst_memory}, {DNNL_ARG_DIFF_WEIGHTS, user_diff}});
      return;
    }
    if (!plan.diff_weights || plan.diff_weights.get_desc() != pd.diff_weights_desc()) {
      plan.diff_weights = memory(pd.diff_weights_desc(), context_->engine());
    }
    context_->execute(
        *plan.backward_weights,
        {{DNNL_ARG_SRC, src_memory}, {DNNL_ARG_DIFF_DST, diff_dst_memory}, {DNNL_ARG_DIFF_WEIGHTS, plan.diff_weights}});
    plan.diff_weights_converter.reorder(plan.diff_weights, user_diff, *context_);
  }

 private:
  struct Layouts {
    memory::format_tag src = memory::format_tag::any;
    memory::format_tag dst = memory::format_tag::any;
    [[nodiscard]] bool any() const { return src == memory::format_tag::any && dst == memory::format_tag::any; }
  };

  struct Plan {
    Shape4 src_shape;
    Shape4 dst_shape;
    dnnl::algorithm algorithm = dnnl::algorithm::convolution_direct;
    Layouts layouts;
    dnnl::convolution_forward::primitive_desc forward_pd;
    dnnl::convolution_forward forward;
    dnnl::convolution_backward_data::primitive_desc backward_data_pd;
    std::optional<dnnl::convolution_backward_data> backward_data;
    dnnl::convolution_backward_weights::primitive_desc backward_weights_pd;
    std::optional<dnnl::convolution_backward_weights> backward_weights;
    memory diff_weights;  // the kernel's layout, when it is not OIHW
    // One converter per input of each pass, so that their scratch memories stay apart.
    LayoutConverter src_converter;
    LayoutConverter weights_converter;
    LayoutConverter data_diff_dst_converter;
    LayoutConverter data_weights_converter;
    LayoutConverter weights_src_converter;
    LayoutConverter weights_diff_dst_converter;
    LayoutConverter diff_weights_converter;
  };

  Plan& plan_for(const Shape4& src_shape) {
    for (auto& plan : plans_) {
      if (plan->src_shape == src_shape) return *plan;
    }
    require(src_shape.n > 0 && src_shape.c == spec_.in_channels,
            "conv2d with " + std::to_string(spec_.in_channels) + " input channels got src " + to_string(src_shape));
    const Shape4 dst_shape = spec_.output_shape(src_shape);
    require(dst_shape.h > 0 && dst_shape.w > 0, "conv2d: src " + to_string(src_shape) + " is smaller than the kernel");
    auto plan = std::make_unique<Plan>();
    plan->src_shape = src_shape;
    plan->dst_shape = dst_shape;
    auto make = [&](dnnl::algorithm algorithm, bool allow_empty, const dnnl::primitive_attr& attr = {}) {
      const dnnl::convolution_forward::desc descriptor(
          dnnl::prop_kind::forward_training, algorithm, any_desc(src_shape, plan->layouts.src), any_weights_desc(),
          any_desc(dst_shape, plan->layouts.dst), strides(), paddings(), paddings());
      return dnnl::convolution_forward::primitive_desc(descriptor, attr, context_->engine(), allow_empty);
    };
    plan->layouts = activation_layouts_;
    plan->algorithm = pass_algorithm(forward_algorithm_, make);
    plan->forward_pd = make(plan->algorithm, true);
    if (!plan->forward_pd) {
      plan->algorithm = dnnl::algorithm::convolution_direct;
      plan->forward_pd = make(plan->algorithm, true);
    }
    if (!plan->layouts.any() && (!plan->forward_pd || is_reference(plan->forward_pd))) {
      // No optimised channels-last kernel for this shape: let oneDNN choose the layouts.
      plan->layouts = {};
      plan->forward_pd = make(plan->algorithm, true);
    }
    if (!plan->forward_pd) plan->forward_pd = make(dnnl::algorithm::convolution_direct, false);  // throws why
    plan->forward = dnnl::convolution_forward(plan->forward_pd);
    plans_.push_back(std::move(plan));
    return *plans_.back();
  }

  // Backward data is given only the output shape: take the input shape from diff_src when it
  // has one that fits, else from the last forward that produced this output shape.
  Plan& plan_for_output(const Shape4& dst_shape, const Tensor& diff_src) {
    if (!diff_src.empty() && diff_src.shape().c == spec_.in_channels &&
        spec_.output_shape(diff_src.shape()) == dst_shape) {
      return plan_for(diff_src.shape());
    }
    if (last_forward_ != nullptr && last_forward_->dst_shape == dst_shape) return *last_forward_;
    for (auto& plan : plans_) {
      if (plan->dst_shape == dst_shape) return *plan;
    }
    const Shape4 src_shape{dst_shape.n, spec_.in_channels,
                           (dst_shape.h - 1) * spec_.stride + spec_.kernel - 2 * spec_.padding,
                           (dst_shape.w - 1) * spec_.stride + spec_.kernel - 2 * spec_.padding};
    return plan_for(src_shape);
  }

  // An activation as thermo's kernels read it: plain NCHW as it is, any other layout converted to
  // channels-last (kept in the converter's scratch memory until its next call).
  struct Readable {
    const float* data = nullptr;
    thin_conv::Strides strides;
  };
  Readable readable(LayoutConverter& converter, const Tensor& tensor, const Shape4& shape) const {
    auto& storage = storage_of(tensor);
    const std::int64_t pixels = shape.h * shape.w;
    if (is_plain(storage.desc(), shape)) return {storage.data(), {shape.c * pixels, pixels, 1}};
    const auto converted = converter.to(storage, channels_last_desc(shape), *context_);
    return {static_cast<const float*>(converted.get_data_handle()), {shape.c * pixels, 1, shape.c}};
  }
  [[nodiscard]] ConvGeometry geometry(const Plan& plan) const {
    return {plan.src_shape.n, spec_.in_channels, spec_.out_channels, plan.src_shape.h, plan.src_shape.w};
  }
  const float* weight_data(ConstVectorView weight) const {
    return static_cast<const float*>(user_weights(weight).get_data_handle());
  }

  [[nodiscard]] dnnl::algorithm preferred_algorithm(const Conv2dSpec& spec, ConvPass pass) const {
    const bool onednn_winograd = winograd_kernels(*context_) == WinogradKernels::onednn && winograd_fits(spec, pass);
    return onednn_winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
  }

  [[nodiscard]] static bool is_reference(const dnnl::primitive_desc& descriptor) {
    return std::string(descriptor.impl_info_str()).rfind("ref", 0) == 0;
  }

  memory user_weights(ConstVectorView weight) const {
    require(weight.dtype == DType::f32 && weight.size == static_cast<std::size_t>(spec_.weight_count()),
            "conv2d: weight must be f32 with " + std::to_string(spec_.weight_count()) + " elements (OIHW)");
    return {plain_weights_desc(), context_->engine(), const_cast<void*>(weight.data)};  // read only
  }

  [[nodiscard]] memory::dims weight_dims() const {
    return {spec_.out_channels, spec_.in_channels, spec_.kernel, spec_.kernel};
  }
  [[nodiscard]] memory::desc plain_weights_desc() const {
    return {weight_dims(), memory::data_type::f32, memory::format_tag::oihw};
  }
  [[nodiscard]] memory::desc any_weights_desc() const {
    return {weight_dims(), memory::data_type::f32, memory::format_tag::any};
  }
  // oneDNN's blocked kernels pad channels to 16, and for 4-15 input channels they want plain
  // NCHW src (so the 16-channel blocked output of the layer before needs a reorder). With fewer
  // than 16 output channels, or 4-15 input channels, channels-last is faster (measured on
  // ConvNet(8): 3→8 and 8→16 at 32×32, see the report); a 3-channel input to many output
  // channels (the first layer of wide nets) stays blocked. A 3-channel input to 8 output channels
  // (ConvNet(8)'s first layer) reads plain NCHW (the gathered batch as it is) and writes nChw8c,
  // the same bytes as channels-last for 8 channels: oneDNN's 8-channel-block kernels took 0.6 ms
  // for its weight gradient against 1.1 ms channels-last, and no more for the forward (1 thread,
  // min of 15, three runs on a shared machine; docs/performance.md).
  // Where thermo's channels-last Winograd kernels run (AVX2), the convolutions they take and those
  // with 64+ output channels that they do not (ConvNet's first layer) write channels-last: in oneDNN's
  // blocks they cost a copy of their output for the next layer's forward and weight gradient and
  // one of their output gradient, 0.8 GB at the log step's chunks of 1024 (docs/performance.md).
  [[nodiscard]] Layouts activation_layouts(const Conv2dSpec& spec) const {
    using tag = memory::format_tag;
    const bool own_winograd_machine = winograd_kernels(*context_) == WinogradKernels::thermo;
    if (runs_own_winograd(spec) || (own_winograd_machine && spec.out_channels >= 64)) return {tag::nhwc, tag::nhwc};
    if (spec.in_channels < 4 && spec.out_channels == 8) return {tag::any, tag::nChw8c};
    const bool few_channels = spec.out_channels < 16 || (spec.in_channels >= 4 && spec.in_channels < 16);
    return few_channels ? Layouts{tag::nhwc, tag::nhwc} : Layouts{};
  }
  // Whether all three passes run on thermo's Winograd kernels (winograd_kernels.hpp).
  [[nodiscard]] bool runs_own_winograd(const Conv2dSpec& spec) const {
    return winograd_kernels(*context_) == WinogradKernels::thermo && winograd::fits(spec);
  }
  // oneDNN's 1×1 backward-weights kernels for stride > 1 copy src to unit stride in a workspace
  // that is too small when src is channels-last with fewer channels than their block (16 with
  // AVX-512, 8 with AVX2): they write past it, corrupting the heap and the gradients (oneDNN issue
  // 6035; seen on ResNet-18(4)'s shortcuts). Plain NCHW takes their blocked path, which is right.
  [[nodiscard]] static Layouts backward_weights_layouts(const Conv2dSpec& spec, const Layouts& layouts) {
    const bool strided_pointwise = spec.kernel == 1 && spec.stride > 1 && spec.in_channels < 16;
    return strided_pointwise ? Layouts{memory::format_tag::nchw, memory::format_tag::nchw} : layouts;
  }
  [[nodiscard]] static memory::desc any_desc(const Shape4& shape, memory::format_tag tag) {
    return {dims_of(shape), memory::data_type::f32, tag};
  }
  [[nodiscard]] memory::dims strides() const { return {spec_.stride, spec_.stride}; }
  [[nodiscard]] memory::dims paddings() const { return {spec_.padding, spec_.padding}; }

  ContextPtr context_;
  Conv2dSpec spec_;
  Layouts activation_layouts_;          // src's and dst's: nhwc, nChw8c or the kernel's choice (any)
  dnnl::algorithm forward_algorithm_;   // preferred; each pass falls back to direct (pass_algorithm)
  dnnl::algorithm backward_algorithm_;  // of backward data and backward weights
  bool thin_forward_;                   // the passes thermo's own kernels run
  bool thin_backward_data_;
  bool own_winograd_;  // all three passes on winograd_kernels.hpp
  std::vector<std::unique_ptr<Plan>> plans_;
  Plan* last_forward_ = nullptr;
};

}  // namespace

bool winograd_fits(const Conv2dSpec& spec, ConvPass pass) {
  const std::int64_t fewest_in_channels = pass == ConvPass::forward ? 32 : 16;
  return spec.kernel == 3 && spec.stride == 1 && spec.in_channels >= fewest_in_channels && spec.in_channels % 16 == 0 &&
         spec.out_channels % 16 == 0;
}

bool machine_has_winograd() {
  static const bool available = [] {
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    auto any = [](const memory::dims& dims) {
      return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
    };
    const dnnl::convolution_forward::desc descriptor(dnnl::prop_kind::forward_training,
                                                     dnnl::algorithm::convolution_winograd, any({2, 32, 8, 8}),
                                                     any({32, 32, 3, 3}), any({2, 32, 8, 8}), {1, 1}, {1, 1}, {1, 1});
    return static_cast<bool>(dnnl::convolution_forward::primitive_desc(descriptor, engine, true));
  }();
  return available;
}

WinogradKernels winograd_kernels(const CpuContext& context) {
  const WinogradRequest request = context.winograd_request();
  const bool best = request == WinogradRequest::best;
  if ((best || request == WinogradRequest::onednn) && machine_has_winograd()) return WinogradKernels::onednn;
  if ((best || request == WinogradRequest::thermo) && winograd::machine_supports()) return WinogradKernels::thermo;
  return WinogradKernels::none;
}

WinogradRequest winograd_request(bool winograd, const std::string& kernels) {
  if (!winograd) return WinogradRequest::none;
  if (kernels == "auto") return WinogradRequest::best;
  if (kernels == "onednn") {
    if (!machine_has_winograd()) {
      throw UserError(
          "backend cpu: winograd_kernels: onednn, but oneDNN 2.6 has no Winograd kernels for this CPU (they need "
          "AVX-512); use winograd_kernels: auto or thermo");
    }
    return WinogradRequest::onednn;
  }
  if (kernels == "thermo") {
    if (!winograd::machine_supports()) {
      throw UserError(
          "backend cpu: winograd_kernels: thermo, but thermo's Winograd kernels need AVX2 and FMA, which this CPU "
          "lacks; use winograd_kernels: auto");
    }
    return WinogradRequest::thermo;
  }
  throw UserError("backend cpu: winograd_kernels takes auto, onednn or thermo, not '" + kernels + "'");
}

std::unique_ptr<Conv2dOp> make_conv2d(ContextPtr context, const Conv2dSpec& spec) {
  return std::make_unique<CpuConv2d>(std::move(context), spec);
}

}  // namespace thermo::cpu
