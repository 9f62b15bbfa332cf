// ParameterLayout: scale-invariant blocks first and contiguous, each group in declaration order,
// offsets and views consistent.
#include <thermo/layers/parameter_layout.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

using thermo::layers::ParameterLayout;

TEST_CASE("parameter layout: SI blocks first, then the rest, each in declaration order") {
  ParameterLayout layout;
  const auto head_weight = layout.declare({"head.weight", {10, 16}, false, false});
  const auto conv1 = layout.declare({"conv1.weight", {4, 3, 3, 3}, true, true});
  const auto head_bias = layout.declare({"head.bias", {10}, false, false});
  const auto conv2 = layout.declare({"conv2.weight", {8, 4, 3, 3}, true, true});
  layout.finalize();

  const auto& blocks = layout.blocks();
  REQUIRE(blocks.size() == 4);
  CHECK(blocks[0].name == "conv1.weight");
  CHECK(blocks[1].name == "conv2.weight");
  CHECK(blocks[2].name == "head.weight");
  CHECK(blocks[3].name == "head.bias");
  CHECK(blocks[0].offset == 0);
  CHECK(blocks[0].count == 108);
  CHECK(blocks[1].offset == 108);
  CHECK(blocks[1].count == 288);
  CHECK(blocks[2].offset == 396);
  CHECK(blocks[3].offset == 556);
  CHECK(layout.scale_invariant_count() == 396);
  CHECK(layout.total_count() == 566);
  CHECK(layout.block(conv1).name == "conv1.weight");
  CHECK(layout.block(conv2).offset == 108);
  CHECK(layout.block(head_weight).offset == 396);
  CHECK(layout.block(head_bias).offset == 556);
  CHECK(blocks[0].scale_invariant);
  CHECK(blocks[0].trainable);
  CHECK_FALSE(blocks[2].trainable);
  CHECK(layout.find("head.bias") == &blocks[3]);
  CHECK(layout.find("nothing") == nullptr);

  std::vector<float> buffer(layout.total_count());
  const thermo::VectorView all{buffer.data(), buffer.size(), thermo::DType::f32};
  const auto view = layout.view(conv2, all);
  CHECK(view.data == buffer.data() + 108);
  CHECK(view.size == 288);
  CHECK_THROWS_AS((void)layout.view(conv2, all.slice(0, 10)), std::logic_error);
}

TEST_CASE("parameter layout: misuse is a logic error") {
  ParameterLayout layout;
  CHECK_THROWS_AS((void)layout.blocks(), std::logic_error);
  layout.declare({"a", {2}, false, true});
  CHECK_THROWS_AS(layout.declare({"a", {3}, false, true}), std::logic_error);
  CHECK_THROWS_AS(layout.declare({"b", {0, 3}, false, true}), std::logic_error);
  layout.finalize();
  CHECK_THROWS_AS(layout.declare({"c", {1}, false, true}), std::logic_error);
  CHECK(layout.scale_invariant_count() == 0);
  CHECK(layout.total_count() == 2);
}
