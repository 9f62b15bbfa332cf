#include "convnet_reference.hpp"

#include "reference_ops.hpp"

#include <stdexcept>

namespace thermo::convnet::testing {
namespace reference = conformance::reference;

ReferenceResult reference_training_step(const std::vector<double>& parameters,
                                        const std::vector<ParameterBlock>& layout, std::int64_t channels,
                                        std::int64_t input_channels, std::int64_t classes,
                                        const std::vector<double>& samples, const std::vector<std::int32_t>& labels,
                                        LossKind loss, const std::vector<double>& running_stats) {
  if (layout.size() != 6) throw std::invalid_argument("reference_training_step: not a ConvNet layout");
  const auto batch = static_cast<std::int64_t>(labels.size());
  const auto block_values = [&](std::size_t index) {
    const auto& block = layout[index];
    return reference::Values(parameters.begin() + static_cast<std::ptrdiff_t>(block.offset),
                             parameters.begin() + static_cast<std::ptrdiff_t>(block.offset + block.count));
  };
  const std::int64_t widths[] = {channels, 2 * channels, 4 * channels, 8 * channels};
  const PoolSpec pool2{PoolKind::max, 2, 2, 0};
  const PoolSpec pool4{PoolKind::max, 4, 4, 0};
  const double eps = 1e-5, momentum = 0.1;

  ReferenceResult result;
  result.running_stats = running_stats;
  result.gradient.assign(parameters.size(), 0.0);

  // Forward, keeping what the backward needs.
  std::vector<reference::Values> inputs, pre_norm, activations;
  std::vector<Shape4> input_shapes, conv_shapes;
  std::vector<Conv2dSpec> specs;
  reference::Values x = samples;
  Shape4 shape{batch, input_channels, 32, 32};
  std::size_t stats_offset = 0;
  for (int block = 0; block < 4; ++block) {
    const Conv2dSpec spec{shape.c, widths[block], 3, 1, 1};
    inputs.push_back(x);
    input_shapes.push_back(shape);
    specs.push_back(spec);
    auto z = reference::conv2d_forward(x, shape, block_values(static_cast<std::size_t>(block)), spec);
    shape = spec.output_shape(shape);
    conv_shapes.push_back(shape);
    const auto statistics = reference::batch_statistics(z, shape);
    auto a = reference::batch_norm_forward(z, shape, statistics.mean, statistics.variance, eps, true);
    const auto count = static_cast<std::size_t>(shape.c);
    reference::Values mean(result.running_stats.begin() + static_cast<std::ptrdiff_t>(stats_offset),
                           result.running_stats.begin() + static_cast<std::ptrdiff_t>(stats_offset + count));
    reference::Values var(result.running_stats.begin() + static_cast<std::ptrdiff_t>(stats_offset + count),
                          result.running_stats.begin() + static_cast<std::ptrdiff_t>(stats_offset + 2 * count));
    reference::update_running_statistics(z, shape, momentum, mean, var);
    std::copy(mean.begin(), mean.end(), result.running_stats.begin() + static_cast<std::ptrdiff_t>(stats_offset));
    std::copy(var.begin(), var.end(), result.running_stats.begin() + static_cast<std::ptrdiff_t>(stats_offset + count));
    stats_offset += 2 * count;
    pre_norm.push_back(std::move(z));
    activations.push_back(a);
    if (block > 0) {
      x = reference::pool_forward(a, shape, pool2);
      shape = pool2.output_shape(shape);
    } else {
      x = std::move(a);
    }
  }
  const Shape4 head_input_shape = shape;
  const auto features = reference::pool_forward(x, shape, pool4);
  const LinearSpec head{8 * channels, classes, true};
  const auto logits = reference::linear_forward(features, batch, block_values(4), block_values(5), head);
  const auto value = reference::loss_forward(logits, labels, loss, classes);
  result.loss_sum = value.sum;
  result.correct = value.correct;

  // Backward of the mean loss; the head is frozen.
  const auto diff_logits = reference::loss_backward(logits, labels, loss, classes, 1.0 / static_cast<double>(batch));
  const auto diff_features = reference::linear_backward_data(diff_logits, batch, block_values(4), head);
  auto diff = reference::pool_backward(diff_features, x, head_input_shape, pool4);
  for (int block = 3; block >= 0; --block) {
    const auto index = static_cast<std::size_t>(block);
    if (block > 0) diff = reference::pool_backward(diff, activations[index], conv_shapes[index], pool2);
    const auto diff_z = reference::batch_norm_backward(diff, pre_norm[index], conv_shapes[index], eps, true);
    const auto weight_gradient =
        reference::conv2d_backward_weights(inputs[index], input_shapes[index], diff_z, specs[index]);
    std::copy(weight_gradient.begin(), weight_gradient.end(),
              result.gradient.begin() + static_cast<std::ptrdiff_t>(layout[index].offset));
    if (block > 0)
      diff = reference::conv2d_backward_data(diff_z, input_shapes[index], block_values(index), specs[index]);
  }
  return result;
}

}  // namespace thermo::convnet::testing
