#include <thermo/error.hpp>
#include <thermo/layers/graph_model.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace thermo::layers {
namespace {
std::string join_key(const std::string& prefix, const std::string& name) {
  if (prefix.empty() || prefix.back() == '.' || prefix.back() == '/') return prefix + name;
  return prefix + "." + name;
}
}  // namespace

GraphModel::GraphModel(std::string name, const ModelContext& context, LossKind loss, const Shape4& sample_shape)
    : name_(std::move(name)),
      backend_(context.backend),
      data_(context.data),
      classes_(context.data_info.classes),
      loss_kind_(loss),
      graph_(sample_shape) {}

void GraphModel::finish() {
  if (parameters_) throw std::logic_error("GraphModel::finish called twice");
  graph_.build(backend_);
  graph_.declare_parameters(layout_);
  layout_.finalize();
  const auto count = layout_.total_count();
  if (count == 0) throw std::logic_error(fmt::format("model {} has no parameters", name_));
  parameters_ = backend_.allocate(count, DType::f32);
  gradients_ = backend_.allocate(count, DType::f32);
  backend_.fill(parameters_->view(), 0.0);
  backend_.fill(gradients_->view(), 0.0);
  graph_.bind_parameters(layout_, parameters_->view(), gradients_->view());
  buffers_ = graph_.buffers();
  const auto output = graph_.output_shape(1);
  if (output.c != classes_ || output.h != 1 || output.w != 1) {
    throw std::logic_error(
        fmt::format("model {}: output {} does not match {} classes", name_, to_string(output), classes_));
  }
  loss_ = backend_.make_loss(loss_kind_, classes_);
}

LossValue GraphModel::evaluate_batch(const Batch& batch, Mode mode, bool want_gradient) {
  if (!loss_) throw std::logic_error("GraphModel::evaluate_batch before finish()");
  if (data_ == nullptr) throw UserError(fmt::format("model {} needs a data set, and the pipeline has none", name_));
  if (want_gradient && mode != Mode::training) {
    throw std::invalid_argument("GraphModel: gradients are computed in training mode only");
  }
  const auto count = static_cast<std::int64_t>(batch.indices.size());
  if (count == 0) throw std::invalid_argument("GraphModel::evaluate_batch: empty batch");
  const auto split_size = data_->size(batch.split);
  for (auto index : batch.indices) {
    if (index < 0 || index >= split_size) {
      throw std::out_of_range(
          fmt::format("sample index {} outside the {} split of {} samples", index, to_string(batch.split), split_size));
    }
  }
  if (!labels_ || labels_->size() < batch.indices.size()) {
    labels_ = backend_.allocate(batch.indices.size(), DType::i32);
  }
  const auto labels = labels_->view().slice(0, batch.indices.size());
  data_->gather(batch.split, batch.indices, graph_.input_tensor(count), labels);

  const Tensor& logits = graph_.forward(count, {.mode = mode, .keep_for_backward = want_gradient});
  const LossValue value = loss_->forward(logits, labels);
  if (want_gradient) {
    loss_->backward(1.0 / static_cast<double>(count), graph_.output_diff());
    graph_.backward(true);
  }
  return value;
}

TensorBytes GraphModel::tensor_bytes(std::int64_t batch) const {
  TensorBytes bytes = graph_.tensor_bytes(batch);
  bytes.activations += static_cast<std::size_t>(batch) * sizeof(std::int32_t);
  return bytes;
}

std::vector<float> GraphModel::download_parameters() const {
  std::vector<float> values(parameters_->size());
  backend_.download(parameters_->view(), values.data());
  return values;
}

void GraphModel::upload_parameters(std::span<const float> values) {
  if (values.size() != parameters_->size()) {
    throw std::invalid_argument(
        fmt::format("model {}: {} parameter values for a buffer of {}", name_, values.size(), parameters_->size()));
  }
  backend_.upload(values.data(), parameters_->view());
}

std::vector<float> GraphModel::download_buffer(const NamedBuffer& buffer) const {
  std::vector<float> values(buffer.view.size);
  backend_.download(buffer.view, values.data());
  return values;
}

void GraphModel::save_state(StateArchive& archive, const std::string& prefix) const {
  const auto values = download_parameters();
  archive.put_vector<float>(join_key(prefix, "parameters"), values);
  for (const auto& buffer : buffers_) {
    const auto buffer_values = download_buffer(buffer);
    archive.put_vector<float>(join_key(prefix, buffer.name), buffer_values);
  }
}

void GraphModel::load_state(const StateArchive& archive, const std::string& prefix) {
  const auto key = join_key(prefix, "parameters");
  const auto values = archive.get_vector<float>(key);
  if (values.size() != parameters_->size()) {
    throw UserError(fmt::format("run state entry '{}' holds {} parameters; model {} has {} (another width?)", key,
                                values.size(), name_, parameters_->size()));
  }
  for (const auto& buffer : buffers_) {
    const auto buffer_key = join_key(prefix, buffer.name);
    const auto buffer_values = archive.get_vector<float>(buffer_key);
    if (buffer_values.size() != buffer.view.size) {
      throw UserError(fmt::format("run state entry '{}' holds {} values, expected {}", buffer_key, buffer_values.size(),
                                  buffer.view.size));
    }
  }
  upload_parameters(values);
  for (const auto& buffer : buffers_)
    backend_.upload(archive.get_vector<float>(join_key(prefix, buffer.name)).data(), buffer.view);
}

}  // namespace thermo::layers
