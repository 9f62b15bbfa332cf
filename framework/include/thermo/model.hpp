#pragma once
// Models: one contiguous parameter buffer (scale-invariant part first), a gradient buffer of the
// same layout, and the evaluation of one batch. Training, logging and estimators are the
// engine's; a model only turns a batch into a loss and a gradient.

#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/state.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace thermo {

enum class Mode { training, evaluation };

// One named tensor inside the parameter buffer. Blocks are listed in the reference's order
// (conv weights OIHW in layer order, then the head weight classes×features, then its bias), so
// the buffer saved as one .npy is what a PyTorch user expects.
struct ParameterBlock {
  std::string name;
  std::vector<std::int64_t> shape;
  std::size_t offset = 0;
  std::size_t count = 0;
  bool scale_invariant = false;
  bool trainable = false;
};

// Bytes of the tensors a model holds after evaluating batches of a given size (float32, logical
// NCHW shapes; a backend's own layouts and working memory come on top), for the engine's memory
// projection (docs/performance.md, "Memory").
struct TensorBytes {
  std::size_t activations = 0;  // every batch: the outputs a forward writes (and the batch's labels)
  std::size_t diffs = 0;        // batches evaluated with a gradient: the diffs backward writes
};

struct Batch {
  Split split = Split::train;
  std::span<const std::int32_t> indices;
};

// What a model plugin gets besides its parameters.
struct ModelContext {
  Backend& backend;
  const DatasetInfo& data_info;
  ResidentData* data = nullptr;     // nullptr when the pipeline has no data set
  std::optional<LossKind> loss;     // the pipeline's `loss:`, absent when it names none
};

class BOOST_SYMBOL_VISIBLE Model {
 public:
  virtual ~Model() = default;

  [[nodiscard]] virtual const std::vector<ParameterBlock>& layout() const = 0;
  // The first scale_invariant_count() entries of parameters() are the SI weights.
  [[nodiscard]] virtual std::size_t scale_invariant_count() const = 0;
  [[nodiscard]] virtual VectorView parameters() = 0;
  [[nodiscard]] virtual VectorView gradients() = 0;

  // Forward the batch in `mode`; with want_gradient, gradients() receives the gradient of the
  // MEAN loss over the batch (frozen entries are 0). Every training-mode forward updates the
  // batch-norm running statistics, as PyTorch does.
  virtual LossValue evaluate_batch(const Batch& batch, Mode mode, bool want_gradient) = 0;

  // The tensors this model holds once it has evaluated a batch of `batch` samples (with a gradient
  // for `diffs`). Host-computed models hold none.
  [[nodiscard]] virtual TensorBytes tensor_bytes(std::int64_t /*batch*/) const { return {}; }

  // A known global minimum of the training loss (the toy problem), for `train_loss_above_min`.
  [[nodiscard]] virtual std::optional<double> known_minimum_loss() const { return std::nullopt; }

  // Parameters and every other state (batch-norm running statistics) under `prefix`.
  virtual void save_state(StateArchive& archive, const std::string& prefix) const = 0;
  virtual void load_state(const StateArchive& archive, const std::string& prefix) = 0;
};

}  // namespace thermo
