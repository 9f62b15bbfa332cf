// ConvNet(c) on the cpu backend: parameter layout and counts (docs/method.md §3), initialisation bounds and
// head norm, determinism per seed, gradient against float64 central differences, scale
// invariance, 1-channel inputs and inputs that do not fit.
#include "../convnet.hpp"
#include "convnet_reference.hpp"
#include "model_test_support.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

using namespace thermo;
using thermo::convnet::ConvNet;
using thermo::convnet::ConvNetOptions;

namespace {
struct Fixture {
  std::unique_ptr<Backend> backend;
  std::shared_ptr<testing::RandomImages> images;
  std::unique_ptr<ResidentData> data;
  std::string why_not;

  explicit Fixture(std::int64_t channels = 3, std::int64_t size = 32, std::int64_t train = 16) {
    backend = testing::load_backend("cpu", 2, &why_not);
    if (!backend) return;
    images = std::make_shared<testing::RandomImages>(train, 8, 5, channels, 10, size);
    data = std::make_unique<ResidentData>(*backend, images);
  }
  [[nodiscard]] ModelContext context(std::optional<LossKind> loss = std::nullopt) const {
    return {*backend, images->info(), data.get(), loss};
  }
};

ConvNetOptions with_channels(std::int64_t channels) {
  ConvNetOptions options;
  options.width = channels;
  return options;
}

double norm_of(std::span<const float> values) {
  double squared = 0.0;
  for (float value : values) squared += static_cast<double>(value) * static_cast<double>(value);
  return std::sqrt(squared);
}
}  // namespace

TEST_CASE("convnet: SI parameter counts of the paper") {
  CHECK(convnet::scale_invariant_parameter_count(8) == 24408);
  CHECK(convnet::scale_invariant_parameter_count(64) == 1550016);
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  for (std::int64_t c : {8, 64}) {
    ConvNet model(with_channels(c), fixture.context());
    CHECK(model.scale_invariant_count() == static_cast<std::size_t>(convnet::scale_invariant_parameter_count(c)));
    CHECK(model.parameters().size == model.scale_invariant_count() + static_cast<std::size_t>(8 * c * 10 + 10));
    CHECK(model.gradients().size == model.parameters().size);
  }
  CHECK(ConvNet(with_channels(8), fixture.context()).scale_invariant_count() == 24408);
}

TEST_CASE("convnet: the layout is the reference's order") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ConvNet model(with_channels(8), fixture.context());
  const auto& blocks = model.layout();
  REQUIRE(blocks.size() == 6);
  const std::vector<std::vector<std::int64_t>> shapes{{8, 3, 3, 3},   {16, 8, 3, 3}, {32, 16, 3, 3},
                                                      {64, 32, 3, 3}, {10, 64},      {10}};
  const std::vector<std::string> names{"conv1.weight", "conv2.weight", "conv3.weight",
                                       "conv4.weight", "head.weight",  "head.bias"};
  std::size_t offset = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    CAPTURE(i);
    CHECK(blocks[i].name == names[i]);
    CHECK(blocks[i].shape == shapes[i]);
    CHECK(blocks[i].offset == offset);
    CHECK(blocks[i].scale_invariant == (i < 4));
    CHECK(blocks[i].trainable == (i < 4));
    offset += blocks[i].count;
  }
  CHECK(offset == model.parameters().size);
  CHECK(blocks[4].offset == model.scale_invariant_count());
}

TEST_CASE("convnet: initialisation bounds, statistics and head norm") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  for (auto loss : {LossKind::cross_entropy, LossKind::mse}) {
    auto options = with_channels(8);
    options.loss = loss;
    ConvNet model(options, fixture.context(loss));
    const auto values = testing::download_floats(*fixture.backend, model.parameters());
    for (const auto& block : model.layout()) {
      CAPTURE(block.name);
      const std::span<const float> part(values.data() + block.offset, block.count);
      const double fan = block.shape.size() > 1
                             ? static_cast<double>(block.count / static_cast<std::size_t>(block.shape[0]))
                             : 64.0;  // the bias: fan_in of the head weight
      const double bound = 1.0 / std::sqrt(fan);
      if (block.name == "head.weight") {
        CHECK(norm_of(part) == doctest::Approx(loss == LossKind::cross_entropy ? 10.0 : 1.5).epsilon(1e-6).scale(0));
        continue;
      }
      double mean = 0.0, squares = 0.0;
      for (float stored : part) {
        const auto value = static_cast<double>(stored);
        REQUIRE(std::abs(value) <= bound);
        mean += value;
        squares += value * value;
      }
      mean /= static_cast<double>(part.size());
      const double variance = squares / static_cast<double>(part.size()) - mean * mean;
      if (part.size() >= 1000) {
        // U(−b, b): mean 0 and variance b²/3, within a few standard errors.
        CHECK(std::abs(mean) < 5 * bound / std::sqrt(3.0 * static_cast<double>(part.size())));
        CHECK(variance == doctest::Approx(bound * bound / 3).epsilon(0.1).scale(0));
      }
    }
  }
  auto options = with_channels(4);
  options.last_layer_norm = 3.5;
  ConvNet model(options, fixture.context());
  const auto values = testing::download_floats(*fixture.backend, model.parameters());
  const auto* head = &model.layout()[4];
  CHECK(norm_of(std::span<const float>(values.data() + head->offset, head->count)) ==
        doctest::Approx(3.5).epsilon(1e-6).scale(0));
}

TEST_CASE("convnet: one seed gives one start; the body and the head have their own seeds") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  const auto parameters = [&](std::uint64_t init_seed, std::uint64_t head_seed) {
    auto options = with_channels(4);
    options.init_seed = init_seed;
    options.head_seed = head_seed;
    ConvNet model(options, fixture.context());
    return std::pair{testing::download_floats(*fixture.backend, model.parameters()), model.scale_invariant_count()};
  };
  // Not a structured binding: clang 14 cannot capture one in a lambda.
  const auto base_and_count = parameters(1, 4);
  const auto& base = base_and_count.first;
  const auto si = base_and_count.second;
  const auto same = parameters(1, 4).first;
  const auto other_body = parameters(2, 4).first;
  const auto other_head = parameters(1, 5).first;
  CHECK(base == same);
  const auto body_equal = [&](const std::vector<float>& a) {
    return std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(si), base.begin());
  };
  const auto head_equal = [&](const std::vector<float>& a) {
    return std::equal(a.begin() + static_cast<std::ptrdiff_t>(si), a.end(),
                      base.begin() + static_cast<std::ptrdiff_t>(si));
  };
  CHECK_FALSE(body_equal(other_body));
  CHECK(head_equal(other_body));
  CHECK(body_equal(other_head));
  CHECK_FALSE(head_equal(other_head));
}

TEST_CASE("convnet: loss, gradient and running statistics match a float64 reference") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  struct Setting {
    std::int64_t channels;
    LossKind loss;
    std::vector<std::int32_t> batch;
  };
  for (const auto& setting :
       {Setting{2, LossKind::cross_entropy, {3, 7, 8, 14}}, Setting{4, LossKind::mse, {0, 1, 2, 5, 6, 9, 11, 15}}}) {
    CAPTURE(setting.channels);
    auto options = with_channels(setting.channels);
    options.loss = setting.loss;
    ConvNet model(options, fixture.context(setting.loss));
    const auto parameters = testing::download_floats(*fixture.backend, model.parameters());
    std::vector<double> stats_before;
    for (const auto& buffer : model.buffers()) {
      for (float value : model.download_buffer(buffer)) stats_before.push_back(value);
    }
    const auto& split = fixture.images->split(Split::train);
    const auto sample_size = static_cast<std::size_t>(fixture.images->info().sample_count());
    std::vector<double> samples;
    std::vector<std::int32_t> labels;
    for (auto index : setting.batch) {
      const auto begin =
          split.samples_f32.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(index) * sample_size);
      samples.insert(samples.end(), begin, begin + static_cast<std::ptrdiff_t>(sample_size));
      labels.push_back(split.labels[static_cast<std::size_t>(index)]);
    }
    const auto expected =
        convnet::testing::reference_training_step({parameters.begin(), parameters.end()}, model.layout(),
                                                  setting.channels, 3, 10, samples, labels, setting.loss, stats_before);

    const auto value = model.evaluate_batch({Split::train, setting.batch}, Mode::training, true);
    const auto gradient = testing::download_floats(*fixture.backend, model.gradients());
    std::vector<double> stats_after;
    for (const auto& buffer : model.buffers()) {
      for (float stat : model.download_buffer(buffer)) stats_after.push_back(stat);
    }
    CHECK(value.sum == doctest::Approx(expected.loss_sum).epsilon(1e-5).scale(0));
    CHECK(value.correct == expected.correct);
    const auto relative = [](const auto& actual, const std::vector<double>& reference) {
      double difference = 0.0, norm = 0.0;
      for (std::size_t i = 0; i < reference.size(); ++i) {
        const double error = static_cast<double>(actual[i]) - reference[i];
        difference += error * error;
        norm += reference[i] * reference[i];
      }
      return std::sqrt(difference / norm);
    };
    CHECK(relative(gradient, expected.gradient) < 1e-4);
    CHECK(relative(stats_after, expected.running_stats) < 1e-5);
  }
}

TEST_CASE("convnet: gradient of the mean loss matches float64 central differences (c=2, batch 4)") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  for (auto loss : {LossKind::cross_entropy, LossKind::mse}) {
    CAPTURE(std::string(to_string(loss)));
    auto options = with_channels(2);
    options.loss = loss;
    ConvNet model(options, fixture.context(loss));
    const std::vector<std::int32_t> batch{3, 7, 8, 14};
    (void)model.evaluate_batch({Split::train, batch}, Mode::training, true);
    const auto gradient = testing::download_floats(*fixture.backend, model.gradients());
    const auto si = model.scale_invariant_count();
    for (std::size_t i = si; i < gradient.size(); ++i) REQUIRE(gradient[i] == 0.0F);

    // A few random SI coordinates, then random directions in the whole SI part.
    const std::vector<double> steps{1e-2, 3e-3, 1e-3, 3e-4};
    Rng rng(21, "coordinates");
    for (int trial = 0; trial < 8; ++trial) {
      const auto coordinate = rng.uniform_index(si);
      CAPTURE(coordinate);
      std::vector<double> direction(gradient.size(), 0.0);
      direction[coordinate] = 1.0;
      CHECK(testing::best_relative_error(model, *fixture.backend, batch, direction, steps, gradient) < 5e-3);
    }
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<double> direction(gradient.size(), 0.0);
      double norm = 0.0;
      for (std::size_t i = 0; i < si; ++i) {
        direction[i] = rng.normal();
        norm += direction[i] * direction[i];
      }
      for (auto& value : direction) value /= std::sqrt(norm);
      // Directions through every layer cross more kinks: a looser bound.
      CHECK(testing::best_relative_error(model, *fixture.backend, batch, direction, steps, gradient) < 3e-2);
    }
  }
}

TEST_CASE("convnet: scaling the SI part leaves the loss unchanged and divides the gradient") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ConvNet model(with_channels(4), fixture.context());
  const auto scale_invariant = model.parameters().slice(0, model.scale_invariant_count());
  // Start from a large SI norm so that batch norm's eps (1e-5 against variances ~1) is negligible.
  fixture.backend->scale(10.0, scale_invariant);
  const std::vector<std::int32_t> batch{0, 2, 4, 6, 8, 10, 12, 14};
  const auto before = model.evaluate_batch({Split::train, batch}, Mode::training, true);
  const auto gradient = testing::download_floats(*fixture.backend, model.gradients());
  fixture.backend->scale(3.0, scale_invariant);
  const auto after = model.evaluate_batch({Split::train, batch}, Mode::training, true);
  const auto scaled_gradient = testing::download_floats(*fixture.backend, model.gradients());
  CHECK(after.sum == doctest::Approx(before.sum).epsilon(1e-5).scale(0));
  CHECK(after.correct == before.correct);
  double difference = 0.0, reference = 0.0;
  for (std::size_t i = 0; i < model.scale_invariant_count(); ++i) {
    const double expected = static_cast<double>(gradient[i]) / 3.0;
    const double error = static_cast<double>(scaled_gradient[i]) - expected;
    difference += error * error;
    reference += expected * expected;
  }
  CHECK(std::sqrt(difference / reference) < 1e-4);
}

TEST_CASE("convnet: 1-channel inputs work; inputs that are not 32x32 are refused") {
  Fixture gray(1);
  if (!gray.backend) return testing::report_skip(gray.why_not);
  ConvNet model(with_channels(8), gray.context());
  CHECK(model.scale_invariant_count() == static_cast<std::size_t>(convnet::scale_invariant_parameter_count(8, 1)));
  const std::vector<std::int32_t> batch{0, 1, 2};
  const auto value = model.evaluate_batch({Split::train, batch}, Mode::training, true);
  CHECK(std::isfinite(value.sum));

  Fixture small(1, 28);
  CHECK_THROWS_WITH_AS(ConvNet(with_channels(8), small.context()), doctest::Contains("32x32"), UserError);
}

TEST_CASE("convnet: evaluation in chunks equals evaluation at once (evaluation mode)") {
  Fixture fixture(3, 32, 64);
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ConvNet model(with_channels(4), fixture.context());
  std::vector<std::int32_t> all(8);
  std::iota(all.begin(), all.end(), 0);
  const auto whole = model.evaluate_batch({Split::test, all}, Mode::evaluation, false);
  const auto first = model.evaluate_batch({Split::test, std::span(all).first(5)}, Mode::evaluation, false);
  const auto rest = model.evaluate_batch({Split::test, std::span(all).subspan(5)}, Mode::evaluation, false);
  CHECK(first.sum + rest.sum == doctest::Approx(whole.sum).epsilon(1e-5).scale(0));
  CHECK(first.correct + rest.correct == whole.correct);
}
