#pragma once
// ConvNet(c) of the paper (SPEC §3), a 5-layer Myrtle-style CNN with batch norm without affine
// parameters and a frozen linear head: every convolution weight is scale-invariant.

#include <thermo/backend.hpp>
#include <thermo/layers/graph_model.hpp>
#include <thermo/model.hpp>

#include <cstdint>
#include <optional>

namespace thermo::convnet {

struct ConvNetOptions {
  std::int64_t channels = 8;              // c: widths c, 2c, 4c, 8c
  std::optional<double> last_layer_norm;  // α = ‖head weight‖_F; none: 10 for CE, 1.5 for MSE
  std::uint64_t init_seed = 1;            // convolution weights: Rng(init_seed, "init")
  std::uint64_t head_seed = 4;            // head weight and bias: Rng(head_seed, "head")
  LossKind loss = LossKind::cross_entropy;
};

// The head norm α the options ask for.
[[nodiscard]] double head_norm(const ConvNetOptions& options);
// Number of scale-invariant parameters: 3c·9 + c·2c·9 + 2c·4c·9 + 4c·8c·9 for 3 input channels.
[[nodiscard]] std::int64_t scale_invariant_parameter_count(std::int64_t channels, std::int64_t input_channels = 3);

class ConvNet final : public layers::GraphModel {
 public:
  // Input channels, size and classes come from context.data_info; throws UserError when the
  // input does not fit (the network needs 32×32 images).
  ConvNet(const ConvNetOptions& options, const ModelContext& context);

 private:
  void initialize(const ConvNetOptions& options);
};

}  // namespace thermo::convnet
