#pragma once
// ConvNet(c) of the paper (docs/method.md §3), a 5-layer Myrtle-style CNN with batch norm without affine
// parameters and a frozen linear head: every convolution weight is scale-invariant.

#include <thermo/backend.hpp>
#include <thermo/layers/graph_model.hpp>
#include <thermo/layers/paper_model.hpp>
#include <thermo/model.hpp>

#include <cstdint>

namespace thermo::convnet {

// width = c: the blocks have c, 2c, 4c, 8c channels; the head seed draws the head's weight and bias.
using ConvNetOptions = layers::PaperModelOptions;
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
