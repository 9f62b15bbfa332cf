#pragma once
// A model as a graph of layers: nodes are added in topological order with explicit inputs (a
// sequence for the ConvNet, a DAG with residual adds for ResNet-18). forward runs them in order;
// backward runs them in reverse, summing the diffs of nodes with several consumers and skipping
// diffs nobody needs (the input image, branches without trainable parameters). A batch norm whose
// only consumer is a ReLU applies the ReLU itself (BatchNormSpec::fuse_relu), and the max pooling
// after it (fused_max_pool), when the backend supports that fusion (Backend::supports).
//
// The graph owns the activations and diffs: one tensor per node for every batch size (training
// batches, evaluation chunks, a last partial chunk). An op writing a tensor at another batch size
// reuses its memory (Backend contract), so a model holds the activations of its largest batch
// once, not once per batch size.

#include <thermo/backend.hpp>
#include <thermo/layers/layer.hpp>
#include <thermo/layers/parameter_layout.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace thermo::layers {

class BOOST_SYMBOL_VISIBLE Graph {
 public:
  using NodeId = std::size_t;

  // The input node (id 0) takes samples of sample_shape (its n is ignored).
  explicit Graph(const Shape4& sample_shape);

  [[nodiscard]] static constexpr NodeId input() { return 0; }
  // Appends a node; its inputs must already exist. The last node added is the output unless
  // set_output says otherwise. Throws UserError naming the node when the shapes do not fit.
  NodeId add(std::string name, std::unique_ptr<Layer> layer, std::vector<NodeId> inputs);
  NodeId add(std::string name, std::unique_ptr<Layer> layer, NodeId src) {
    return add(std::move(name), std::move(layer), std::vector<NodeId>{src});
  }
  void set_output(NodeId node);

  // Fuses, then makes every layer's ops. No node can be added afterwards.
  void build(Backend& backend);
  void declare_parameters(ParameterLayout& layout);
  void bind_parameters(const ParameterLayout& layout, VectorView parameters, VectorView gradients);
  // Running statistics and other state buffers, named after their nodes.
  [[nodiscard]] std::vector<NamedBuffer> buffers();

  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  [[nodiscard]] const std::string& node_name(NodeId node) const { return nodes_.at(node).name; }
  [[nodiscard]] Layer* layer(NodeId node) const { return nodes_.at(node).layer.get(); }
  [[nodiscard]] Shape4 output_shape(std::int64_t batch) const;

  // Bytes of the tensors forward() and backward() make at `batch` (float32, logical shapes): one
  // output per node that is not an identity, and the diffs backward allocates (own and scratch).
  [[nodiscard]] TensorBytes tensor_bytes(std::int64_t batch) const;

  // The tensor the batch is gathered into before forward(batch, ...).
  [[nodiscard]] Tensor& input_tensor(std::int64_t batch);
  // Runs every node on input_tensor(batch); returns the output node's activation.
  const Tensor& forward(std::int64_t batch, const ForwardPass& pass);
  // Where the loss writes d(loss)/d(output) for the last forward.
  [[nodiscard]] Tensor& output_diff();
  // Backpropagates output_diff() through the last forward (which kept what backward needs).
  // With parameter_gradients, every trainable layer overwrites its gradient view.
  void backward(bool parameter_gradients);

 private:
  struct Node {
    std::string name;
    std::unique_ptr<Layer> layer;  // null for the input node
    std::vector<NodeId> inputs;
    std::vector<NodeId> consumers;
    Shape4 sample_shape;      // n = 1
    Shape4 output_shape;      // n = 1: what its tensor holds, the last fused layer's output
    bool needs_diff = false;  // a trainable parameter lies upstream (node included)
  };
  // The tensors of every node: outputs made at the first batch, diffs on first use.
  struct Slot {
    std::vector<Tensor> outputs;
    std::vector<Tensor> diffs;
    std::vector<Tensor> scratch;  // second and later contributions to a diff
  };

  Slot& slot(std::int64_t batch);
  Tensor& own_diff(Slot& slot, NodeId node, std::int64_t batch);
  Tensor& scratch_diff(Slot& slot, NodeId node, std::int64_t batch);
  void contribute(Slot& slot, NodeId node, const Tensor* diff, bool written_in_place, std::int64_t batch);
  void require_built() const;
  void fuse_after_batch_norm(NodeId id);

  Backend* backend_ = nullptr;
  std::vector<Node> nodes_;
  NodeId output_ = 0;
  bool built_ = false;

  Slot slot_;

  // The last forward pass, and the diffs of the backward in progress.
  std::int64_t last_batch_ = 0;
  bool last_kept_for_backward_ = false;
  std::vector<const Tensor*> current_output_;
  std::vector<const Tensor*> current_diff_;
  std::vector<bool> diff_is_own_;
};

}  // namespace thermo::layers
