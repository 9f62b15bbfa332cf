#pragma once
// The layers the paper's models are built from. Each holds its backend op (made once) and views
// of its parameters in the model's buffers; Graph owns the activations.

#include <thermo/backend.hpp>
#include <thermo/layers/layer.hpp>

#include <boost/config.hpp>

#include <memory>

namespace thermo::layers {

// How a layer's weights take part in training.
struct ParameterRole {
  bool scale_invariant = false;
  bool trainable = true;
};

class BOOST_SYMBOL_VISIBLE Conv2d final : public Layer {
 public:
  explicit Conv2d(const Conv2dSpec& spec, ParameterRole role = {.scale_invariant = true, .trainable = true});

  [[nodiscard]] std::string_view kind() const override { return "conv2d"; }
  [[nodiscard]] Shape4 output_shape(std::span<const Shape4> src) const override;
  void create_ops(Backend& backend) override;
  void declare_parameters(ParameterLayout& layout, const std::string& name) override;
  void bind_parameters(const ParameterLayout& layout, VectorView parameters, VectorView gradients) override;
  [[nodiscard]] bool has_trainable_parameters() const override { return role_.trainable; }
  void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) override;
  void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                bool parameter_gradients) override;

  [[nodiscard]] const Conv2dSpec& spec() const { return spec_; }

 private:
  Conv2dSpec spec_;
  ParameterRole role_;
  std::unique_ptr<Conv2dOp> op_;
  ParameterLayout::Handle weight_handle_ = 0;
  VectorView weight_;
  VectorView weight_gradient_;
};

// Batch norm without affine parameters; its running statistics (float32, mean 0 and variance 1
// at the start, as in PyTorch) are state buffers "<name>.running_mean" / "<name>.running_var".
class BOOST_SYMBOL_VISIBLE BatchNorm2d final : public Layer {
 public:
  explicit BatchNorm2d(std::int64_t channels, double eps = 1e-5, double momentum = 0.1);

  [[nodiscard]] std::string_view kind() const override { return "batch_norm2d"; }
  [[nodiscard]] Shape4 output_shape(std::span<const Shape4> src) const override;
  void create_ops(Backend& backend) override;
  void collect_buffers(const std::string& name, std::vector<NamedBuffer>& buffers) override;
  void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) override;
  void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                bool parameter_gradients) override;

  // The graph calls these before create_ops when the only consumer is a ReLU, and when that
  // ReLU's only consumer is a max pooling of window `kernel` and stride `kernel`, if the backend
  // supports the fused spec.
  void fuse_relu() { spec_.fuse_relu = true; }
  void fuse_max_pool(std::int64_t kernel) { spec_.fused_max_pool = kernel; }
  [[nodiscard]] const BatchNormSpec& spec() const { return spec_; }

 private:
  BatchNormSpec spec_;
  std::unique_ptr<BatchNormOp> op_;
  std::unique_ptr<DeviceBuffer> running_mean_;
  std::unique_ptr<DeviceBuffer> running_var_;
};

class BOOST_SYMBOL_VISIBLE Relu final : public Layer {
 public:
  [[nodiscard]] std::string_view kind() const override { return "relu"; }
  [[nodiscard]] Shape4 output_shape(std::span<const Shape4> src) const override;
  void create_ops(Backend& backend) override;
  [[nodiscard]] bool is_identity() const override { return fused_; }
  void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) override;
  void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                bool parameter_gradients) override;

  // The graph calls this when the batch norm before it applies the ReLU.
  void mark_fused() { fused_ = true; }

 private:
  bool fused_ = false;
  std::unique_ptr<ReluOp> op_;
};

class BOOST_SYMBOL_VISIBLE Pool2d : public Layer {
 public:
  explicit Pool2d(const PoolSpec& spec) : spec_(spec) {}

  [[nodiscard]] std::string_view kind() const override;
  [[nodiscard]] Shape4 output_shape(std::span<const Shape4> src) const override;
  void create_ops(Backend& backend) override;
  [[nodiscard]] bool is_identity() const override { return fused_; }
  void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) override;
  void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                bool parameter_gradients) override;

  [[nodiscard]] const PoolSpec& spec() const { return spec_; }
  // The graph calls this when the batch norm before the ReLU before it applies the pooling.
  void mark_fused() { fused_ = true; }

 private:
  PoolSpec spec_;
  bool fused_ = false;
  std::unique_ptr<PoolOp> op_;
};

class BOOST_SYMBOL_VISIBLE MaxPool2d final : public Pool2d {
 public:
  explicit MaxPool2d(std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0)
      : Pool2d({PoolKind::max, kernel, stride > 0 ? stride : kernel, padding}) {}
};

class BOOST_SYMBOL_VISIBLE AvgPool2d final : public Pool2d {
 public:
  explicit AvgPool2d(std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0)
      : Pool2d({PoolKind::average, kernel, stride > 0 ? stride : kernel, padding}) {}
};

// A fully connected layer on (N, in, 1, 1) inputs (after a global pooling): "<name>.weight"
// (out×in) and "<name>.bias" (out) when the spec has a bias.
class BOOST_SYMBOL_VISIBLE Linear final : public Layer {
 public:
  explicit Linear(const LinearSpec& spec, ParameterRole role = {.scale_invariant = false, .trainable = true});

  [[nodiscard]] std::string_view kind() const override { return "linear"; }
  [[nodiscard]] Shape4 output_shape(std::span<const Shape4> src) const override;
  void create_ops(Backend& backend) override;
  void declare_parameters(ParameterLayout& layout, const std::string& name) override;
  void bind_parameters(const ParameterLayout& layout, VectorView parameters, VectorView gradients) override;
  [[nodiscard]] bool has_trainable_parameters() const override { return role_.trainable; }
  void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) override;
  void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                bool parameter_gradients) override;

  [[nodiscard]] const LinearSpec& spec() const { return spec_; }

 private:
  LinearSpec spec_;
  ParameterRole role_;
  std::unique_ptr<LinearOp> op_;
  ParameterLayout::Handle weight_handle_ = 0;
  ParameterLayout::Handle bias_handle_ = 0;
  VectorView weight_, weight_gradient_, bias_, bias_gradient_;
};

// dst = a + b (a residual connection); backward hands the diff to both inputs.
class BOOST_SYMBOL_VISIBLE Add final : public Layer {
 public:
  [[nodiscard]] std::string_view kind() const override { return "add"; }
  [[nodiscard]] std::size_t input_count() const override { return 2; }
  [[nodiscard]] Shape4 output_shape(std::span<const Shape4> src) const override;
  void create_ops(Backend& backend) override { backend_ = &backend; }
  [[nodiscard]] bool passes_diff_through() const override { return true; }
  void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) override;
  void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                bool parameter_gradients) override;

 private:
  Backend* backend_ = nullptr;
};

}  // namespace thermo::layers
