#pragma once
// What the paper's scale-invariant image models share (docs/method.md §3): a width, a frozen linear head
// of Frobenius norm last_layer_norm, the seeds of the body and of the head, and the loss that
// picks the default head norm. One schema and one reading of it for every such model plugin.

#include <thermo/model.hpp>
#include <thermo/params.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace thermo::layers {

struct PaperModelOptions {
  std::int64_t width = 8;                 // c of ConvNet(c), k of ResNet-18(k)
  std::optional<double> last_layer_norm;  // α = ‖head weight‖_F; none: 10 for CE, 1.5 for MSE
  std::uint64_t init_seed = 1;            // convolution weights: Rng(init_seed, "init")
  std::uint64_t head_seed = 4;            // head parameters: Rng(head_seed, "head")
  LossKind loss = LossKind::cross_entropy;
};

// The head norm α the options ask for.
[[nodiscard]] double head_norm(const PaperModelOptions& options);

// The parameters `channels`, `last_layer_norm`, `init_seed`, `head_seed`; the width's default and
// description and what the head seed draws differ per model.
[[nodiscard]] ParamSchema paper_model_schema(std::int64_t default_width, const std::string& width_description,
                                             const std::string& head_seed_description);

// The options of a pipeline's model section read with paper_model_schema; the loss is the
// pipeline's (cross-entropy when it names none).
[[nodiscard]] PaperModelOptions paper_model_options(const Params& params, const ModelContext& context);

}  // namespace thermo::layers
