#pragma once
// ResNet-18(k) of the paper (docs/method.md §3): pre-activation, widths k, 2k, 4k, 8k, two blocks per
// stage, strides 1, 2, 2, 2, batch norm without affine parameters, a frozen bias-free linear
// head after BN → ReLU → 4×4 average pooling. Every convolution is scale-invariant.

#include <thermo/backend.hpp>
#include <thermo/layers/graph_model.hpp>
#include <thermo/layers/paper_model.hpp>
#include <thermo/model.hpp>

#include <cstdint>

namespace thermo::resnet18 {

// width = k (paper: 4 under-, 32/48 overparameterised); the head seed draws the head's weight.
using ResNet18Options = layers::PaperModelOptions;
// 27k + 2724k² for 3 input channels (every convolution, shortcuts included).
[[nodiscard]] std::int64_t scale_invariant_parameter_count(std::int64_t width, std::int64_t input_channels = 3);

class ResNet18 final : public layers::GraphModel {
 public:
  // Input channels, size and classes come from context.data_info; the network needs 32×32 images.
  ResNet18(const ResNet18Options& options, const ModelContext& context);

 private:
  void initialize(const ResNet18Options& options);
};

}  // namespace thermo::resnet18
