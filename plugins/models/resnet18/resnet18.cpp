#include "resnet18.hpp"

#include <thermo/error.hpp>
#include <thermo/layers/init.hpp>
#include <thermo/layers/layers.hpp>
#include <thermo/rng.hpp>

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <string>

namespace thermo::resnet18 {
namespace {
using layers::Add;
using layers::AvgPool2d;
using layers::BatchNorm2d;
using layers::Conv2d;
using layers::Graph;
using layers::Linear;
using layers::Relu;

Shape4 sample_shape(const DatasetInfo& info) {
  return {1, info.channels, info.height, info.width};
}

LossKind checked_loss(const ResNet18Options& options, const ModelContext& context) {
  if (options.width < 1) throw UserError(fmt::format("resnet18: width must be >= 1, got {}", options.width));
  if (context.data_info.dtype != DType::f32) {
    throw UserError(
        fmt::format("resnet18 needs an image data set; '{}' holds float64 vectors", context.data_info.name));
  }
  if (context.data_info.classes < 1) {
    throw UserError(fmt::format("resnet18 needs a labelled data set; '{}' has no classes", context.data_info.name));
  }
  return options.loss;
}

// One pre-activation block, added in the reference's parameter order (conv1, conv2, shortcut):
// o = ReLU(BN1(x)); out = conv2(ReLU(BN2(conv1(o)))) + (x, or conv1x1(BN_sc(o)) when the stride
// or the width changes).
Graph::NodeId add_block(Graph& graph, const std::string& name, Graph::NodeId x, std::int64_t in_planes,
                        std::int64_t planes, std::int64_t stride) {
  auto o = graph.add(name + ".bn1", std::make_unique<BatchNorm2d>(in_planes), x);
  o = graph.add(name + ".relu1", std::make_unique<Relu>(), o);
  auto out = graph.add(name + ".conv1", std::make_unique<Conv2d>(Conv2dSpec{in_planes, planes, 3, stride, 1}), o);
  out = graph.add(name + ".bn2", std::make_unique<BatchNorm2d>(planes), out);
  out = graph.add(name + ".relu2", std::make_unique<Relu>(), out);
  out = graph.add(name + ".conv2", std::make_unique<Conv2d>(Conv2dSpec{planes, planes, 3, 1, 1}), out);
  Graph::NodeId shortcut = x;
  if (stride != 1 || in_planes != planes) {
    shortcut = graph.add(name + ".shortcut.bn", std::make_unique<BatchNorm2d>(in_planes), o);
    shortcut = graph.add(name + ".shortcut.conv", std::make_unique<Conv2d>(Conv2dSpec{in_planes, planes, 1, stride, 0}),
                         shortcut);
  }
  return graph.add(name + ".add", std::make_unique<Add>(), {out, shortcut});
}
}  // namespace

std::int64_t scale_invariant_parameter_count(std::int64_t width, std::int64_t input_channels) {
  const std::int64_t k = width;
  std::int64_t count = 9 * input_channels * k;
  std::int64_t in_planes = k;
  for (const std::int64_t planes : {k, 2 * k, 4 * k, 8 * k}) {
    for (int block = 0; block < 2; ++block) {
      count += 9 * in_planes * planes + 9 * planes * planes;
      if (in_planes != planes) count += in_planes * planes;  // the 1×1 shortcut
      in_planes = planes;
    }
  }
  return count;
}

ResNet18::ResNet18(const ResNet18Options& options, const ModelContext& context)
    : GraphModel("resnet18", context, checked_loss(options, context), sample_shape(context.data_info)) {
  const std::int64_t k = options.width;
  auto& g = graph();
  try {
    auto x =
        g.add("conv1", std::make_unique<Conv2d>(Conv2dSpec{context.data_info.channels, k, 3, 1, 1}), Graph::input());
    std::int64_t in_planes = k;
    const std::int64_t widths[] = {k, 2 * k, 4 * k, 8 * k};
    const std::int64_t strides[] = {1, 2, 2, 2};
    for (int stage = 0; stage < 4; ++stage) {
      for (int block = 0; block < 2; ++block) {
        const auto name = fmt::format("layer{}.{}", stage + 1, block);
        x = add_block(g, name, x, in_planes, widths[stage], block == 0 ? strides[stage] : 1);
        in_planes = widths[stage];
      }
    }
    x = g.add("bn", std::make_unique<BatchNorm2d>(8 * k), x);
    x = g.add("relu", std::make_unique<Relu>(), x);
    x = g.add("avgpool", std::make_unique<AvgPool2d>(4), x);
    g.add("linear",
          std::make_unique<Linear>(LinearSpec{8 * k, context.data_info.classes, false},
                                   layers::ParameterRole{.scale_invariant = false, .trainable = false}),
          x);
  } catch (const UserError& error) {
    throw UserError(fmt::format("resnet18 on {} inputs of {}x{}x{}: {} (ResNet-18 needs 32x32 images)",
                                context.data_info.name, context.data_info.channels, context.data_info.height,
                                context.data_info.width, error.what()));
  }
  finish();
  initialize(options);
}

// docs/method.md §3: convolution weights ~ U(±1/√fan_in) from Rng(init_seed, "init") in layer order; the
// head weight ~ U(±1/√fan_in) from Rng(head_seed, "head"), then scaled to norm α.
void ResNet18::initialize(const ResNet18Options& options) {
  auto values = download_parameters();
  const std::span<float> all(values);
  Rng init_rng(options.init_seed, "init");
  Rng head_rng(options.head_seed, "head");
  for (const auto& block : parameter_layout().blocks()) {
    if (!block.scale_invariant) continue;
    const double bound = 1.0 / std::sqrt(static_cast<double>(layers::fan_in(block.shape)));
    layers::fill_uniform(all.subspan(block.offset, block.count), bound, init_rng);
  }
  const auto* weight = parameter_layout().find("linear.weight");
  const auto head_weight = all.subspan(weight->offset, weight->count);
  layers::fill_uniform(head_weight, 1.0 / std::sqrt(static_cast<double>(layers::fan_in(weight->shape))), head_rng);
  layers::scale_to_norm(head_weight, layers::head_norm(options));
  upload_parameters(values);
}

}  // namespace thermo::resnet18
