// ResNet-18(k) on the cpu backend: SI parameter counts, the reference's parameter order, the
// head, gradient against float64 central differences on a tiny width, scale invariance.
#include "../resnet18.hpp"
#include "model_test_support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>

using namespace thermo;
using thermo::resnet18::ResNet18;
using thermo::resnet18::ResNet18Options;

namespace {
struct Fixture {
  std::unique_ptr<Backend> backend;
  std::shared_ptr<testing::RandomImages> images;
  std::unique_ptr<ResidentData> data;
  std::string why_not;

  Fixture() {
    backend = testing::load_backend("cpu", 2, &why_not);
    if (!backend) return;
    images = std::make_shared<testing::RandomImages>(16, 8, 9, 3, 10, 32);
    data = std::make_unique<ResidentData>(*backend, images);
  }
  [[nodiscard]] ModelContext context(std::optional<LossKind> loss = std::nullopt) const {
    return {*backend, images->info(), data.get(), loss};
  }
};

ResNet18Options with_width(std::int64_t width, LossKind loss = LossKind::cross_entropy) {
  ResNet18Options options;
  options.width = width;
  options.loss = loss;
  return options;
}
}  // namespace

TEST_CASE("resnet18: SI parameter counts") {
  CHECK(resnet18::scale_invariant_parameter_count(4) == 43692);
  CHECK(resnet18::scale_invariant_parameter_count(64) == 11159232);  // the standard ResNet-18's convolutions
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  for (std::int64_t k : {4, 32}) {
    ResNet18 model(with_width(k), fixture.context());
    CHECK(model.scale_invariant_count() == static_cast<std::size_t>(resnet18::scale_invariant_parameter_count(k)));
    CHECK(model.parameters().size == model.scale_invariant_count() + static_cast<std::size_t>(8 * k * 10));
  }
}

TEST_CASE("resnet18: the layout is the reference's order; the head has no bias and norm α") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ResNet18 model(with_width(4), fixture.context());
  const auto& blocks = model.layout();
  // stem, 8 blocks of conv1, conv2 (+ shortcut in the first block of stages 2-4), head.
  REQUIRE(blocks.size() == 1 + 16 + 3 + 1);
  CHECK(blocks[0].name == "conv1.weight");
  CHECK(blocks[1].name == "layer1.0.conv1.weight");
  CHECK(blocks[2].name == "layer1.0.conv2.weight");
  CHECK(blocks[5].name == "layer2.0.conv1.weight");
  CHECK(blocks[6].name == "layer2.0.conv2.weight");
  CHECK(blocks[7].name == "layer2.0.shortcut.conv.weight");
  CHECK(blocks[7].shape == std::vector<std::int64_t>{8, 4, 1, 1});
  CHECK(blocks[5].shape == std::vector<std::int64_t>{8, 4, 3, 3});
  CHECK(blocks[19].name == "layer4.1.conv2.weight");
  CHECK(blocks[20].name == "linear.weight");
  CHECK(blocks[20].shape == std::vector<std::int64_t>{10, 32});
  CHECK_FALSE(blocks[20].trainable);
  for (std::size_t i = 0; i < 20; ++i) CHECK(blocks[i].scale_invariant);
  const auto values = testing::download_floats(*fixture.backend, model.parameters());
  double squared = 0.0;
  for (std::size_t i = blocks[20].offset; i < values.size(); ++i) {
    squared += static_cast<double>(values[i]) * static_cast<double>(values[i]);
  }
  CHECK(std::sqrt(squared) == doctest::Approx(10.0).epsilon(1e-6).scale(0));
  // 1×1 shortcut weights are bounded by 1/√in_planes.
  for (std::size_t i = blocks[7].offset; i < blocks[7].offset + blocks[7].count; ++i) {
    REQUIRE(std::abs(values[i]) <= 0.5F);
  }
}

TEST_CASE("resnet18: gradient of the mean loss matches float64 central differences (k=2, batch 4)") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  for (auto loss : {LossKind::cross_entropy, LossKind::mse}) {
    CAPTURE(std::string(to_string(loss)));
    ResNet18 model(with_width(2, loss), fixture.context(loss));
    const std::vector<std::int32_t> batch{1, 4, 10, 13};
    (void)model.evaluate_batch({Split::train, batch}, Mode::training, true);
    const auto gradient = testing::download_floats(*fixture.backend, model.gradients());
    const auto si = model.scale_invariant_count();
    for (std::size_t i = si; i < gradient.size(); ++i) REQUIRE(gradient[i] == 0.0F);
    // A tiny ResNet's loss is rough at the scale of any usable step (its gradient moves by ~1e-3
    // under a 1e-6 relative change of the weights), so coordinates and random directions are
    // unreliable; along the gradient itself the derivative is ‖g‖, far above the roughness. Each
    // stage's part of the gradient is checked separately.
    const std::vector<double> steps{3e-3, 1e-3, 3e-4, 1e-4};
    for (const char* stage : {"conv1.", "layer1.", "layer2.", "layer3.", "layer4."}) {
      CAPTURE(stage);
      std::vector<double> direction(gradient.size(), 0.0);
      double norm = 0.0;
      for (const auto& block : model.layout()) {
        if (!block.scale_invariant || !block.name.starts_with(stage)) continue;
        for (std::size_t i = block.offset; i < block.offset + block.count; ++i) {
          direction[i] = gradient[i];
          norm += static_cast<double>(gradient[i]) * static_cast<double>(gradient[i]);
        }
      }
      for (auto& value : direction) value /= std::sqrt(norm);
      CHECK(testing::best_relative_error(model, *fixture.backend, batch, direction, steps, gradient) < 1e-2);
    }
  }
}

TEST_CASE("resnet18: scaling the SI part leaves the loss unchanged") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ResNet18 model(with_width(2), fixture.context());
  const auto scale_invariant = model.parameters().slice(0, model.scale_invariant_count());
  fixture.backend->scale(10.0, scale_invariant);  // batch norm's eps becomes negligible
  const std::vector<std::int32_t> batch{0, 2, 4, 6, 8, 10};
  const auto before = model.evaluate_batch({Split::train, batch}, Mode::training, false);
  fixture.backend->scale(3.0, scale_invariant);
  const auto after = model.evaluate_batch({Split::train, batch}, Mode::training, false);
  CHECK(after.sum == doctest::Approx(before.sum).epsilon(1e-5).scale(0));
}
