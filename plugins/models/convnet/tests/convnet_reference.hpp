#pragma once
// ConvNet(c) in float64 from the conformance suite's reference ops (naive loops, PyTorch
// semantics): the loss, the gradient of the mean loss and the running-statistics update of one
// training-mode forward, for comparison with the model on a backend.

#include <thermo/backend.hpp>
#include <thermo/model.hpp>

#include <cstdint>
#include <vector>

namespace thermo::convnet::testing {

struct ReferenceResult {
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  std::vector<double> gradient;       // whole parameter buffer (frozen head: 0)
  std::vector<double> running_stats;  // per batch norm: running mean, then running var
};

// parameters in the model's buffer order; samples: batch × channels × 32 × 32 (NCHW);
// running_stats: the statistics before the forward (same layout as the result's).
ReferenceResult reference_training_step(const std::vector<double>& parameters,
                                        const std::vector<ParameterBlock>& layout, std::int64_t channels,
                                        std::int64_t input_channels, std::int64_t classes,
                                        const std::vector<double>& samples, const std::vector<std::int32_t>& labels,
                                        LossKind loss, const std::vector<double>& running_stats);

}  // namespace thermo::convnet::testing
