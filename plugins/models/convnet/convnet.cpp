#include "convnet.hpp"

#include <thermo/error.hpp>
#include <thermo/layers/init.hpp>
#include <thermo/layers/layers.hpp>
#include <thermo/rng.hpp>

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <string>

namespace thermo::convnet {
namespace {
using layers::BatchNorm2d;
using layers::Conv2d;
using layers::Graph;
using layers::Linear;
using layers::MaxPool2d;
using layers::Relu;

Shape4 sample_shape(const DatasetInfo& info) {
  return {1, info.channels, info.height, info.width};
}

LossKind checked_loss(const ConvNetOptions& options, const ModelContext& context) {
  if (options.width < 1) throw UserError(fmt::format("convnet: channels must be >= 1, got {}", options.width));
  if (context.data_info.dtype != DType::f32) {
    throw UserError(fmt::format("convnet needs an image data set; '{}' holds float64 vectors", context.data_info.name));
  }
  if (context.data_info.classes < 1) {
    throw UserError(fmt::format("convnet needs a labelled data set; '{}' has no classes", context.data_info.name));
  }
  return options.loss;
}
}  // namespace

std::int64_t scale_invariant_parameter_count(std::int64_t channels, std::int64_t input_channels) {
  const std::int64_t c = channels;
  return 9 * (input_channels * c + c * 2 * c + 2 * c * 4 * c + 4 * c * 8 * c);
}

ConvNet::ConvNet(const ConvNetOptions& options, const ModelContext& context)
    : GraphModel("convnet", context, checked_loss(options, context), sample_shape(context.data_info)) {
  const std::int64_t c = options.width;
  auto& g = graph();
  try {
    // Block 1 has no pooling; blocks 2-4 double the width and halve the resolution.
    const std::int64_t widths[] = {c, 2 * c, 4 * c, 8 * c};
    Graph::NodeId x = Graph::input();
    std::int64_t in_channels = context.data_info.channels;
    for (int block = 0; block < 4; ++block) {
      const auto suffix = std::to_string(block + 1);
      x = g.add("conv" + suffix, std::make_unique<Conv2d>(Conv2dSpec{in_channels, widths[block], 3, 1, 1}), x);
      x = g.add("bn" + suffix, std::make_unique<BatchNorm2d>(widths[block]), x);
      x = g.add("relu" + suffix, std::make_unique<Relu>(), x);
      if (block > 0) x = g.add("pool" + suffix, std::make_unique<MaxPool2d>(2), x);
      in_channels = widths[block];
    }
    x = g.add("pool5", std::make_unique<MaxPool2d>(4), x);
    g.add("head",
          std::make_unique<Linear>(LinearSpec{8 * c, context.data_info.classes, true},
                                   layers::ParameterRole{.scale_invariant = false, .trainable = false}),
          x);
  } catch (const UserError& error) {
    throw UserError(fmt::format("convnet on {} inputs of {}x{}x{}: {} (the ConvNet needs 32x32 images)",
                                context.data_info.name, context.data_info.channels, context.data_info.height,
                                context.data_info.width, error.what()));
  }
  finish();
  initialize(options);
}

// docs/method.md §3: convolution weights ~ U(±1/√fan_in) from Rng(init_seed, "init") in layer order; head
// weight and bias ~ U(±1/√fan_in) from Rng(head_seed, "head"), then the weight scaled to norm α.
void ConvNet::initialize(const ConvNetOptions& options) {
  auto values = download_parameters();
  const std::span<float> all(values);
  Rng init_rng(options.init_seed, "init");
  Rng head_rng(options.head_seed, "head");
  const auto& blocks = parameter_layout().blocks();
  for (const auto& block : blocks) {
    if (!block.scale_invariant) continue;
    const double bound = 1.0 / std::sqrt(static_cast<double>(layers::fan_in(block.shape)));
    layers::fill_uniform(all.subspan(block.offset, block.count), bound, init_rng);
  }
  const auto* weight = parameter_layout().find("head.weight");
  const auto* bias = parameter_layout().find("head.bias");
  const double head_bound = 1.0 / std::sqrt(static_cast<double>(layers::fan_in(weight->shape)));
  const auto head_weight = all.subspan(weight->offset, weight->count);
  layers::fill_uniform(head_weight, head_bound, head_rng);
  layers::fill_uniform(all.subspan(bias->offset, bias->count), head_bound, head_rng);
  layers::scale_to_norm(head_weight, layers::head_norm(options));
  upload_parameters(values);
}

}  // namespace thermo::convnet
