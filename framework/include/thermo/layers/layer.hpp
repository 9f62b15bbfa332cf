#pragma once
// A layer of a model graph: shape arithmetic, its parameter tensors (views into the model's one
// buffer), its backend ops (made once; they cache primitives per shape) and forward/backward
// calls. Layers never name a backend: the same model code runs on cpu and cuda.

#include <thermo/backend.hpp>
#include <thermo/layers/parameter_layout.hpp>
#include <thermo/model.hpp>
#include <thermo/tensor.hpp>

#include <boost/config.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace thermo::layers {

struct ForwardPass {
  Mode mode = Mode::training;
  bool keep_for_backward = false;  // a backward pass follows (pooling keeps its indices)
};

// A state buffer that is not a parameter (batch-norm running statistics), float32.
struct NamedBuffer {
  std::string name;  // "bn1.running_mean"
  VectorView view;
};

class BOOST_SYMBOL_VISIBLE Layer {
 public:
  virtual ~Layer() = default;

  [[nodiscard]] virtual std::string_view kind() const = 0;
  [[nodiscard]] virtual std::size_t input_count() const { return 1; }
  // The output shape for these input shapes; throws std::invalid_argument naming what does not fit.
  [[nodiscard]] virtual Shape4 output_shape(std::span<const Shape4> src) const = 0;

  // Called once, after the graph has fused what it fuses.
  virtual void create_ops(Backend& backend) = 0;

  // `name` is the node's name; parameters are called "<name>.weight", "<name>.bias".
  virtual void declare_parameters(ParameterLayout& /*layout*/, const std::string& /*name*/) {}
  virtual void bind_parameters(const ParameterLayout& /*layout*/, VectorView /*parameters*/, VectorView /*gradients*/) {
  }
  [[nodiscard]] virtual bool has_trainable_parameters() const { return false; }
  virtual void collect_buffers(const std::string& /*name*/, std::vector<NamedBuffer>& /*buffers*/) {}

  // The output is the (only) input itself: forward and backward are identities (a ReLU fused
  // into the batch norm before it).
  [[nodiscard]] virtual bool is_identity() const { return false; }
  // Backward hands diff_dst unchanged to every input (Add).
  [[nodiscard]] virtual bool passes_diff_through() const { return false; }

  virtual void forward(std::span<const Tensor* const> src, Tensor& dst, const ForwardPass& pass) = 0;
  // After a forward with keep_for_backward. diff_src[i] is null when input i needs no gradient;
  // parameter gradients (overwritten, not accumulated) only when `parameter_gradients`.
  virtual void backward(std::span<const Tensor* const> src, const Tensor& diff_dst, std::span<Tensor* const> diff_src,
                        bool parameter_gradients) = 0;
};

}  // namespace thermo::layers
