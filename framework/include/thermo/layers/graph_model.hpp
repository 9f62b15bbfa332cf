#pragma once
// A Model built from a layer Graph: the parameter and gradient buffers (one each, scale-invariant
// part first), the loss, evaluate_batch (gather, forward, loss, backward) and save/load of the
// parameters and running statistics. A model plugin adds its nodes, calls finish() and
// initialises the parameters; everything else is here.

#include <thermo/backend.hpp>
#include <thermo/layers/graph.hpp>
#include <thermo/layers/parameter_layout.hpp>
#include <thermo/model.hpp>

#include <boost/config.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace thermo::layers {

class BOOST_SYMBOL_VISIBLE GraphModel : public Model {
 public:
  [[nodiscard]] const std::vector<ParameterBlock>& layout() const override { return layout_.blocks(); }
  [[nodiscard]] std::size_t scale_invariant_count() const override { return layout_.scale_invariant_count(); }
  [[nodiscard]] VectorView parameters() override { return parameters_->view(); }
  [[nodiscard]] VectorView gradients() override { return gradients_->view(); }

  LossValue evaluate_batch(const Batch& batch, Mode mode, bool want_gradient) override;
  // The graph's tensors and the batch's labels (int32).
  [[nodiscard]] TensorBytes tensor_bytes(std::int64_t batch) const override;

  // Keys: "<prefix>.parameters" (the whole buffer) and "<prefix>.<node>.running_mean" / _var.
  void save_state(StateArchive& archive, const std::string& prefix) const override;
  void load_state(const StateArchive& archive, const std::string& prefix) override;

  [[nodiscard]] Graph& graph() { return graph_; }
  [[nodiscard]] const ParameterLayout& parameter_layout() const { return layout_; }
  [[nodiscard]] LossKind loss_kind() const { return loss_kind_; }
  // Host copies of the parameter buffer (float32, buffer order) and of the state buffers.
  [[nodiscard]] std::vector<float> download_parameters() const;
  void upload_parameters(std::span<const float> values);
  [[nodiscard]] const std::vector<NamedBuffer>& buffers() const { return buffers_; }
  [[nodiscard]] std::vector<float> download_buffer(const NamedBuffer& buffer) const;

 protected:
  // `name` names the model in messages ("convnet"); sample_shape is the input (n ignored).
  GraphModel(std::string name, const ModelContext& context, LossKind loss, const Shape4& sample_shape);
  // Call once after adding every node: builds the graph, lays out and allocates the parameters
  // (all zero until the plugin initialises them) and the gradients (zero), makes the loss op.
  void finish();
  [[nodiscard]] Backend& backend() const { return backend_; }
  [[nodiscard]] const std::string& model_name() const { return name_; }

 private:
  std::string name_;
  Backend& backend_;
  ResidentData* data_ = nullptr;
  std::int64_t classes_ = 0;
  LossKind loss_kind_ = LossKind::cross_entropy;
  Graph graph_;
  ParameterLayout layout_;
  std::unique_ptr<DeviceBuffer> parameters_;
  std::unique_ptr<DeviceBuffer> gradients_;
  std::unique_ptr<LossOp> loss_;
  std::unique_ptr<DeviceBuffer> labels_;
  std::vector<NamedBuffer> buffers_;
};

}  // namespace thermo::layers
