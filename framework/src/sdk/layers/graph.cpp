#include <thermo/error.hpp>
#include <thermo/layers/graph.hpp>
#include <thermo/layers/layers.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace thermo::layers {

Graph::Graph(const Shape4& sample_shape) {
  if (sample_shape.c < 1 || sample_shape.h < 1 || sample_shape.w < 1) {
    throw std::invalid_argument("Graph: the input shape must be positive");
  }
  Node input_node;
  input_node.name = "input";
  input_node.sample_shape = sample_shape.with_batch(1);
  nodes_.push_back(std::move(input_node));
}

Graph::NodeId Graph::add(std::string name, std::unique_ptr<Layer> layer, std::vector<NodeId> inputs) {
  if (built_) throw std::logic_error("Graph::add after build()");
  if (!layer) throw std::logic_error("Graph::add: null layer");
  for (const auto& node : nodes_) {
    if (node.name == name) throw std::logic_error(fmt::format("Graph::add: node '{}' added twice", name));
  }
  if (inputs.size() != layer->input_count()) {
    throw std::logic_error(fmt::format("Graph::add: '{}' ({}) takes {} inputs, got {}", name, layer->kind(),
                                       layer->input_count(), inputs.size()));
  }
  std::vector<Shape4> input_shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] >= nodes_.size()) throw std::logic_error(fmt::format("Graph::add: '{}' reads a missing node", name));
    if (std::find(inputs.begin(), inputs.begin() + static_cast<std::ptrdiff_t>(i), inputs[i]) !=
        inputs.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw std::logic_error(fmt::format("Graph::add: '{}' reads the same node twice", name));
    }
    input_shapes.push_back(nodes_[inputs[i]].sample_shape);
  }
  Node node;
  try {
    node.sample_shape = layer->output_shape(input_shapes);
  } catch (const std::invalid_argument& error) {
    std::string shapes;
    for (const auto& shape : input_shapes) {
      shapes += (shapes.empty() ? "" : ", ") + fmt::format("{}x{}x{}", shape.c, shape.h, shape.w);
    }
    throw UserError(fmt::format("layer '{}' ({}) on input {}: {}", name, layer->kind(), shapes, error.what()));
  }
  node.name = std::move(name);
  node.layer = std::move(layer);
  node.inputs = std::move(inputs);
  const NodeId id = nodes_.size();
  for (NodeId src : node.inputs) nodes_[src].consumers.push_back(id);
  nodes_.push_back(std::move(node));
  output_ = id;
  return id;
}

void Graph::set_output(NodeId node) {
  if (node >= nodes_.size() || node == input()) throw std::logic_error("Graph::set_output: not a layer node");
  if (built_) throw std::logic_error("Graph::set_output after build()");
  output_ = node;
}

void Graph::build(Backend& backend) {
  if (built_) throw std::logic_error("Graph::build called twice");
  if (nodes_.size() < 2) throw std::logic_error("Graph::build: the graph has no layer");
  backend_ = &backend;
  for (auto& node : nodes_) node.output_shape = node.sample_shape;
  for (NodeId id = 1; id < nodes_.size(); ++id) fuse_after_batch_norm(id);
  for (NodeId id = 1; id < nodes_.size(); ++id) {
    auto& node = nodes_[id];
    node.layer->create_ops(backend);
    node.needs_diff =
        node.layer->has_trainable_parameters() ||
        std::any_of(node.inputs.begin(), node.inputs.end(), [this](NodeId src) { return nodes_[src].needs_diff; });
  }
  current_output_.assign(nodes_.size(), nullptr);
  current_diff_.assign(nodes_.size(), nullptr);
  diff_is_own_.assign(nodes_.size(), false);
  built_ = true;
}

// A batch norm applies the ReLU that is its only consumer, and the max pooling (window = stride,
// no padding) that is that ReLU's only consumer, when the backend supports the fused spec; the
// fused layers become aliases of its output.
void Graph::fuse_after_batch_norm(NodeId id) {
  auto* batch_norm = dynamic_cast<BatchNorm2d*>(nodes_[id].layer.get());
  if (batch_norm == nullptr || id == output_ || nodes_[id].consumers.size() != 1) return;
  const NodeId relu_id = nodes_[id].consumers[0];
  auto* relu = dynamic_cast<Relu*>(nodes_[relu_id].layer.get());
  if (relu == nullptr) return;
  BatchNormSpec with_relu = batch_norm->spec();
  with_relu.fuse_relu = true;
  if (!backend_->supports(with_relu)) return;
  batch_norm->fuse_relu();
  relu->mark_fused();
  if (relu_id == output_ || nodes_[relu_id].consumers.size() != 1) return;
  const NodeId pool_id = nodes_[relu_id].consumers[0];
  auto* pool = dynamic_cast<Pool2d*>(nodes_[pool_id].layer.get());
  if (pool == nullptr) return;
  const PoolSpec& spec = pool->spec();
  if (spec.kind != PoolKind::max || spec.stride != spec.kernel || spec.padding != 0 || spec.kernel < 2) return;
  BatchNormSpec with_pool = with_relu;
  with_pool.fused_max_pool = spec.kernel;
  if (!backend_->supports(with_pool)) return;
  batch_norm->fuse_max_pool(spec.kernel);
  pool->mark_fused();
  nodes_[id].output_shape = nodes_[pool_id].sample_shape;
}

void Graph::require_built() const {
  if (!built_) throw std::logic_error("Graph used before build()");
}

void Graph::declare_parameters(ParameterLayout& layout) {
  for (NodeId id = 1; id < nodes_.size(); ++id) nodes_[id].layer->declare_parameters(layout, nodes_[id].name);
}

void Graph::bind_parameters(const ParameterLayout& layout, VectorView parameters, VectorView gradients) {
  for (NodeId id = 1; id < nodes_.size(); ++id) nodes_[id].layer->bind_parameters(layout, parameters, gradients);
}

std::vector<NamedBuffer> Graph::buffers() {
  require_built();
  std::vector<NamedBuffer> result;
  for (NodeId id = 1; id < nodes_.size(); ++id) nodes_[id].layer->collect_buffers(nodes_[id].name, result);
  return result;
}

Shape4 Graph::output_shape(std::int64_t batch) const {
  return nodes_[output_].sample_shape.with_batch(batch);
}

// Replays backward()'s contributions (see contribute()) to find which nodes get an own diff
// tensor and which a scratch one; outputs are those slot() makes.
TensorBytes Graph::tensor_bytes(std::int64_t batch) const {
  require_built();
  const auto bytes_of = [&](NodeId id) {
    return static_cast<std::size_t>(nodes_[id].output_shape.with_batch(batch).count()) * sizeof(float);
  };
  TensorBytes bytes;
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    if (id == input() || !nodes_[id].layer->is_identity()) bytes.activations += bytes_of(id);
  }
  const std::size_t count = nodes_.size();
  std::vector<bool> has_diff(count, false), diff_is_own(count, false), own_made(count, false),
      scratch_made(count, false);
  const auto contribute_in_other = [&](NodeId node) {  // contribute(..., written_in_place = false)
    if (!has_diff[node]) {
      has_diff[node] = true;
    } else if (!diff_is_own[node]) {
      own_made[node] = true;
      diff_is_own[node] = true;
    }
  };
  has_diff[output_] = diff_is_own[output_] = own_made[output_] = true;
  for (NodeId id = count - 1; id >= 1; --id) {
    const auto& node = nodes_[id];
    if (!node.needs_diff || !has_diff[id]) continue;
    for (NodeId input_id : node.inputs) {
      if (!nodes_[input_id].needs_diff) continue;
      if (node.layer->is_identity() || node.layer->passes_diff_through()) {
        contribute_in_other(input_id);
      } else if (!has_diff[input_id]) {
        has_diff[input_id] = diff_is_own[input_id] = own_made[input_id] = true;
      } else {
        scratch_made[input_id] = true;
        contribute_in_other(input_id);
      }
    }
  }
  for (NodeId id = 0; id < count; ++id) {
    if (own_made[id]) bytes.diffs += bytes_of(id);
    if (scratch_made[id]) bytes.diffs += bytes_of(id);
  }
  return bytes;
}

Graph::Slot& Graph::slot(std::int64_t batch) {
  require_built();
  if (batch < 1) throw std::invalid_argument("Graph: the batch must hold at least one sample");
  if (slot_.outputs.empty()) {
    slot_.outputs.resize(nodes_.size());
    slot_.diffs.resize(nodes_.size());
    slot_.scratch.resize(nodes_.size());
    for (NodeId id = 0; id < nodes_.size(); ++id) {
      if (id != input() && nodes_[id].layer->is_identity()) continue;
      slot_.outputs[id] = backend_->create_tensor(nodes_[id].output_shape.with_batch(batch));
    }
  }
  return slot_;
}

Tensor& Graph::own_diff(Slot& slot, NodeId node, std::int64_t batch) {
  auto& tensor = slot.diffs[node];
  if (tensor.empty()) tensor = backend_->create_tensor(nodes_[node].output_shape.with_batch(batch));
  return tensor;
}

Tensor& Graph::scratch_diff(Slot& slot, NodeId node, std::int64_t batch) {
  auto& tensor = slot.scratch[node];
  if (tensor.empty()) tensor = backend_->create_tensor(nodes_[node].output_shape.with_batch(batch));
  return tensor;
}

Tensor& Graph::input_tensor(std::int64_t batch) {
  return slot(batch).outputs[input()];
}

const Tensor& Graph::forward(std::int64_t batch, const ForwardPass& pass) {
  auto& tensors = slot(batch);
  std::vector<const Tensor*> src;
  current_output_[input()] = &tensors.outputs[input()];
  for (NodeId id = 1; id < nodes_.size(); ++id) {
    auto& node = nodes_[id];
    if (node.layer->is_identity()) {
      current_output_[id] = current_output_[node.inputs[0]];
      continue;
    }
    src.clear();
    for (NodeId input_id : node.inputs) src.push_back(current_output_[input_id]);
    node.layer->forward(src, tensors.outputs[id], pass);
    current_output_[id] = &tensors.outputs[id];
  }
  last_batch_ = batch;
  last_kept_for_backward_ = pass.keep_for_backward;
  return *current_output_[output_];
}

Tensor& Graph::output_diff() {
  if (!last_kept_for_backward_) throw std::logic_error("Graph::output_diff without a forward that keeps for backward");
  return own_diff(slot(last_batch_), output_, last_batch_);
}

// Adds `diff` to the node's diff. Diffs handed through (an Add, a fused ReLU) are aliases of
// another node's tensor and never written; the first sum goes into the node's own tensor.
void Graph::contribute(Slot& slot, NodeId node, const Tensor* diff, bool written_in_place, std::int64_t batch) {
  if (written_in_place) {
    current_diff_[node] = diff;
    diff_is_own_[node] = true;
    return;
  }
  if (current_diff_[node] == nullptr) {
    current_diff_[node] = diff;
    diff_is_own_[node] = false;
  } else if (diff_is_own_[node]) {
    backend_->accumulate(*diff, slot.diffs[node]);
  } else {
    auto& own = own_diff(slot, node, batch);
    backend_->add(*current_diff_[node], *diff, own);
    current_diff_[node] = &own;
    diff_is_own_[node] = true;
  }
}

void Graph::backward(bool parameter_gradients) {
  if (!last_kept_for_backward_) {
    throw std::logic_error("Graph::backward without a forward that kept what backward needs");
  }
  const auto batch = last_batch_;
  auto& tensors = slot(batch);
  std::fill(current_diff_.begin(), current_diff_.end(), nullptr);
  std::fill(diff_is_own_.begin(), diff_is_own_.end(), false);
  current_diff_[output_] = &own_diff(tensors, output_, batch);
  diff_is_own_[output_] = true;

  std::vector<const Tensor*> src;
  std::vector<Tensor*> diff_src;
  for (NodeId id = nodes_.size() - 1; id >= 1; --id) {
    auto& node = nodes_[id];
    if (!node.needs_diff || current_diff_[id] == nullptr) continue;
    const Tensor* diff_dst = current_diff_[id];
    if (node.layer->is_identity() || node.layer->passes_diff_through()) {
      for (NodeId input_id : node.inputs) {
        if (nodes_[input_id].needs_diff) contribute(tensors, input_id, diff_dst, false, batch);
      }
      continue;
    }
    src.clear();
    diff_src.clear();
    for (NodeId input_id : node.inputs) {
      src.push_back(current_output_[input_id]);
      if (!nodes_[input_id].needs_diff) {
        diff_src.push_back(nullptr);
      } else if (current_diff_[input_id] == nullptr) {
        diff_src.push_back(&own_diff(tensors, input_id, batch));
      } else {
        diff_src.push_back(&scratch_diff(tensors, input_id, batch));
      }
    }
    node.layer->backward(src, *diff_dst, diff_src, parameter_gradients);
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (diff_src[i] == nullptr) continue;
      const NodeId input_id = node.inputs[i];
      const bool first = diff_src[i] == &tensors.diffs[input_id];
      contribute(tensors, input_id, diff_src[i], first, batch);
    }
  }
  last_kept_for_backward_ = false;
}

}  // namespace thermo::layers
