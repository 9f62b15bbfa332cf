// The layer graph on the cpu backend: gradients of a residual DAG (several consumers, adds,
// fused batch norm + ReLU, frozen and trainable heads) against the same network in float64;
// BN→ReLU fusion, and none for a backend that supports none; tensors kept per batch size; state
// round trips; misuse.
#include "model_test_support.hpp"
#include "reference_ops.hpp"

#include <thermo/error.hpp>
#include <thermo/layers/graph_model.hpp>
#include <thermo/layers/init.hpp>
#include <thermo/layers/layers.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

using namespace thermo;
using namespace thermo::layers;

namespace {
constexpr std::int64_t kChannels = 4;

// y = relu(bn(conv_a(x))); s1 = conv_c(relu(bn(conv_b(y)))) + y; s2 = conv_d(s1) + s1;
// out = s2 + y; head = linear(avgpool(relu(bn(out)))). y has three consumers, s1 two.
class ResidualToy final : public GraphModel {
 public:
  ResidualToy(const ModelContext& context, bool trainable_head, std::uint64_t seed = 7)
      : GraphModel("residual_toy", context, LossKind::cross_entropy,
                   {1, context.data_info.channels, context.data_info.height, context.data_info.width}) {
    auto& g = graph();
    const auto conv = [](std::int64_t in, std::int64_t out) {
      return std::make_unique<Conv2d>(Conv2dSpec{in, out, 3, 1, 1});
    };
    auto a = g.add("conv_a", conv(context.data_info.channels, kChannels), Graph::input());
    a = g.add("bn_a", std::make_unique<BatchNorm2d>(kChannels), a);
    const auto y = g.add("relu_a", std::make_unique<Relu>(), a);
    auto b = g.add("conv_b", conv(kChannels, kChannels), y);
    b = g.add("bn_b", std::make_unique<BatchNorm2d>(kChannels), b);
    b = g.add("relu_b", std::make_unique<Relu>(), b);
    b = g.add("conv_c", conv(kChannels, kChannels), b);
    const auto s1 = g.add("add1", std::make_unique<Add>(), {b, y});
    const auto d = g.add("conv_d", conv(kChannels, kChannels), s1);
    const auto s2 = g.add("add2", std::make_unique<Add>(), {d, s1});
    auto out = g.add("add3", std::make_unique<Add>(), {s2, y});
    out = g.add("bn_out", std::make_unique<BatchNorm2d>(kChannels), out);
    out = g.add("relu_out", std::make_unique<Relu>(), out);
    out = g.add("pool", std::make_unique<AvgPool2d>(context.data_info.height), out);
    g.add("head",
          std::make_unique<Linear>(LinearSpec{kChannels, context.data_info.classes, true},
                                   ParameterRole{.scale_invariant = false, .trainable = trainable_head}),
          out);
    finish();
    auto values = download_parameters();
    Rng rng(seed, "toy");
    for (const auto& block : parameter_layout().blocks()) {
      // Convolutions as PyTorch initialises them; a head with logits of order 1.
      const double bound = block.shape.size() == 4 ? 1.0 / std::sqrt(static_cast<double>(fan_in(block.shape))) : 1.5;
      fill_uniform(std::span<float>(values).subspan(block.offset, block.count), bound, rng);
    }
    upload_parameters(values);
  }
};

struct Fixture {
  std::unique_ptr<Backend> backend;
  std::shared_ptr<testing::RandomImages> images;
  std::unique_ptr<ResidentData> data;
  std::string why_not;

  explicit Fixture(std::int64_t size = 8) {
    backend = testing::load_backend("cpu", 2, &why_not);
    if (!backend) return;
    images = std::make_shared<testing::RandomImages>(16, 8, 3, 2, 5, size);
    data = std::make_unique<ResidentData>(*backend, images);
  }
  [[nodiscard]] ModelContext context() const { return {*backend, images->info(), data.get(), std::nullopt}; }
};

// The same network in float64 from the conformance suite's reference ops: the mean loss and its
// gradient (every block; the head's only when trainable).
struct ToyReference {
  double loss_sum = 0.0;
  std::vector<double> gradient;
};

ToyReference toy_reference(const std::vector<double>& parameters, const std::vector<ParameterBlock>& layout,
                           const std::vector<double>& samples, const std::vector<std::int32_t>& labels,
                           const DatasetInfo& info, bool trainable_head) {
  namespace reference = conformance::reference;
  const auto values = [&](std::size_t index) {
    const auto& block = layout[index];
    return reference::Values(parameters.begin() + static_cast<std::ptrdiff_t>(block.offset),
                             parameters.begin() + static_cast<std::ptrdiff_t>(block.offset + block.count));
  };
  const auto batch = static_cast<std::int64_t>(labels.size());
  const Shape4 input{batch, info.channels, info.height, info.width};
  const Shape4 inner{batch, kChannels, info.height, info.width};
  const Conv2dSpec first{info.channels, kChannels, 3, 1, 1}, same{kChannels, kChannels, 3, 1, 1};
  const auto add = [](reference::Values a, const reference::Values& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
  };
  const auto bn_relu = [&](const reference::Values& z) {
    const auto statistics = reference::batch_statistics(z, inner);
    return reference::batch_norm_forward(z, inner, statistics.mean, statistics.variance, 1e-5, true);
  };
  // Forward.
  const auto a = reference::conv2d_forward(samples, input, values(0), first);
  const auto y = bn_relu(a);
  const auto b1 = reference::conv2d_forward(y, inner, values(1), same);
  const auto b2 = bn_relu(b1);
  const auto b = reference::conv2d_forward(b2, inner, values(2), same);
  const auto s1 = add(b, y);
  const auto d = reference::conv2d_forward(s1, inner, values(3), same);
  const auto s2 = add(d, s1);
  const auto out = add(s2, y);
  const auto r = bn_relu(out);
  const PoolSpec pool{PoolKind::average, info.height, info.height, 0};
  const auto features = reference::pool_forward(r, inner, pool);
  const LinearSpec head{kChannels, info.classes, true};
  const auto logits = reference::linear_forward(features, batch, values(4), values(5), head);
  ToyReference result;
  result.loss_sum = reference::loss_forward(logits, labels, LossKind::cross_entropy, info.classes).sum;
  // Backward.
  result.gradient.assign(parameters.size(), 0.0);
  const auto put = [&](std::size_t index, const reference::Values& gradient) {
    std::copy(gradient.begin(), gradient.end(),
              result.gradient.begin() + static_cast<std::ptrdiff_t>(layout[index].offset));
  };
  const auto diff_logits =
      reference::loss_backward(logits, labels, LossKind::cross_entropy, info.classes, 1.0 / static_cast<double>(batch));
  if (trainable_head) {
    const auto head_gradient = reference::linear_backward_weights(features, diff_logits, batch, head);
    put(4, head_gradient.weight);
    put(5, head_gradient.bias);
  }
  const auto diff_features = reference::linear_backward_data(diff_logits, batch, values(4), head);
  const auto diff_r = reference::pool_backward(diff_features, r, inner, pool);
  const auto diff_out = reference::batch_norm_backward(diff_r, out, inner, 1e-5, true);
  // out = s2 + y; s2 = d + s1; d = conv_d(s1); s1 = b + y.
  put(3, reference::conv2d_backward_weights(s1, inner, diff_out, same));
  const auto diff_s1 = add(diff_out, reference::conv2d_backward_data(diff_out, inner, values(3), same));
  put(2, reference::conv2d_backward_weights(b2, inner, diff_s1, same));
  const auto diff_b1 = reference::batch_norm_backward(reference::conv2d_backward_data(diff_s1, inner, values(2), same),
                                                      b1, inner, 1e-5, true);
  put(1, reference::conv2d_backward_weights(y, inner, diff_b1, same));
  const auto diff_y = add(add(diff_out, diff_s1), reference::conv2d_backward_data(diff_b1, inner, values(1), same));
  const auto diff_a = reference::batch_norm_backward(diff_y, a, inner, 1e-5, true);
  put(0, reference::conv2d_backward_weights(samples, input, diff_a, first));
  return result;
}

}  // namespace

TEST_CASE("graph: gradient of a residual DAG matches its float64 reference") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  for (bool trainable_head : {false, true}) {
    CAPTURE(trainable_head);
    ResidualToy model(fixture.context(), trainable_head);
    const std::vector<std::int32_t> indices{0, 3, 5, 9, 12, 15};
    const auto parameters = testing::download_floats(*fixture.backend, model.parameters());
    const auto& split = fixture.images->split(Split::train);
    const auto sample_size = static_cast<std::size_t>(fixture.images->info().sample_count());
    std::vector<double> samples;
    std::vector<std::int32_t> labels;
    for (auto index : indices) {
      const auto begin =
          split.samples_f32.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(index) * sample_size);
      samples.insert(samples.end(), begin, begin + static_cast<std::ptrdiff_t>(sample_size));
      labels.push_back(split.labels[static_cast<std::size_t>(index)]);
    }
    const auto expected = toy_reference({parameters.begin(), parameters.end()}, model.layout(), samples, labels,
                                        fixture.images->info(), trainable_head);

    const auto value = model.evaluate_batch({Split::train, indices}, Mode::training, true);
    CHECK(value.count == 6);
    CHECK(value.sum == doctest::Approx(expected.loss_sum).epsilon(1e-5).scale(0));
    const auto gradient = testing::download_floats(*fixture.backend, model.gradients());
    for (const auto& block : model.layout()) {
      CAPTURE(block.name);
      const std::span<const float> actual(gradient.data() + block.offset, block.count);
      const std::span<const double> reference(expected.gradient.data() + block.offset, block.count);
      if (!block.trainable) {
        CHECK(std::all_of(actual.begin(), actual.end(), [](float entry) { return entry == 0.0F; }));
        continue;
      }
      CHECK(testing::relative_difference(actual, reference) < 1e-4);
    }
  }
}

// What the memory projection counts (docs/performance.md, "Memory"), by hand for the residual
// toy on cpu (batch norms fused with their ReLUs; 2×8×8 inputs, 4 channels, 5 classes).
TEST_CASE("graph: tensor_bytes counts the outputs forward writes and the diffs backward writes") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  const ResidualToy model(fixture.context(), false);
  const std::size_t batch = 6, map = kChannels * 8 * 8, f = sizeof(float);
  // input; conv_a, bn_a, conv_b, bn_b, conv_c, add1, conv_d, add2, add3, bn_out; pool; head. The
  // fused ReLUs write nothing. Then the batch's labels.
  const std::size_t outputs = 2 * 8 * 8 + 10 * map + kChannels + 5;
  // head's (the loss writes it), pool's, relu_out's, add3's; add1 and relu_a, which get a second
  // contribution from a convolution after an Add handed them the first: own and scratch each;
  // relu_b's, conv_b's, conv_a's. The Adds and the fused ReLUs hand their diffs through.
  const std::size_t diffs = 5 + kChannels + map + map + 2 * map + 2 * map + map + map + map;
  const auto bytes = model.tensor_bytes(static_cast<std::int64_t>(batch));
  CHECK(bytes.activations == batch * outputs * f + batch * sizeof(std::int32_t));
  CHECK(bytes.diffs == batch * diffs * f);
}

TEST_CASE("graph: a batch norm is fused with the ReLU that is its only consumer") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  Graph graph({1, 2, 8, 8});
  auto x = graph.add("conv", std::make_unique<Conv2d>(Conv2dSpec{2, 3, 3, 1, 1}), Graph::input());
  const auto fused_bn = graph.add("bn1", std::make_unique<BatchNorm2d>(3), x);
  const auto fused_relu = graph.add("relu1", std::make_unique<Relu>(), fused_bn);
  const auto shared_bn = graph.add("bn2", std::make_unique<BatchNorm2d>(3), fused_relu);
  const auto relu = graph.add("relu2", std::make_unique<Relu>(), shared_bn);
  graph.add("sum", std::make_unique<Add>(), {relu, shared_bn});
  graph.build(*fixture.backend);
  CHECK(dynamic_cast<BatchNorm2d*>(graph.layer(fused_bn))->spec().fuse_relu);
  CHECK(graph.layer(fused_relu)->is_identity());
  CHECK_FALSE(dynamic_cast<BatchNorm2d*>(graph.layer(shared_bn))->spec().fuse_relu);
  CHECK_FALSE(graph.layer(relu)->is_identity());
  CHECK(graph.buffers().size() == 4);
  CHECK(graph.buffers()[0].name == "bn1.running_mean");
  CHECK(graph.buffers()[3].name == "bn2.running_var");
}

// Both graphs (built, of one parameter layout) run forward and backward in training mode on the
// same random parameters, input (batch × 2 × 8 × 8) and output diff; the relative differences of
// their outputs and parameter gradients, the first graph's scaled by `scale`.
struct GraphDifference {
  double output = 0.0;
  double gradient = 0.0;
};

GraphDifference compare_graphs(Backend& backend, Graph& first, Graph& second, float scale, std::uint64_t seed) {
  ParameterLayout layouts[2];
  first.declare_parameters(layouts[0]);
  second.declare_parameters(layouts[1]);
  layouts[0].finalize();
  layouts[1].finalize();
  REQUIRE(layouts[0].total_count() == layouts[1].total_count());
  const auto count = layouts[0].total_count();
  auto parameters = backend.allocate(count, DType::f32);
  std::unique_ptr<DeviceBuffer> gradients[2] = {backend.allocate(count, DType::f32),
                                                backend.allocate(count, DType::f32)};
  Rng rng(seed, "graph-compare");
  std::vector<float> weights(count);
  for (auto& weight : weights) weight = static_cast<float>(rng.normal());
  backend.upload(weights.data(), parameters->view());
  const std::int64_t batch = 3;
  std::vector<float> input(static_cast<std::size_t>(batch * 2 * 8 * 8));
  for (auto& value : input) value = static_cast<float>(rng.normal());
  std::vector<float> outputs[2], gradient_values[2];
  Graph* graphs[2] = {&first, &second};
  for (int which = 0; which < 2; ++which) {
    Graph& graph = *graphs[which];
    graph.bind_parameters(layouts[which], parameters->view(), gradients[which]->view());
    backend.write_tensor(input.data(), graph.input_tensor(batch));
    const Tensor& out = graph.forward(batch, {.mode = Mode::training, .keep_for_backward = true});
    outputs[which].resize(static_cast<std::size_t>(out.shape().count()));
    backend.read_tensor(out, outputs[which].data());
    Rng diff_rng(seed, "graph-compare-diff");
    std::vector<float> diff_out(outputs[which].size());
    for (auto& value : diff_out) value = static_cast<float>(diff_rng.normal());
    backend.write_tensor(diff_out.data(), graph.output_diff());
    graph.backward(true);
    gradient_values[which].resize(count);
    backend.download(gradients[which]->view(), gradient_values[which].data());
  }
  for (auto& value : outputs[0]) value *= scale;
  for (auto& value : gradient_values[0]) value *= scale;
  return {testing::relative_difference(outputs[0], outputs[1]),
          testing::relative_difference(gradient_values[0], gradient_values[1])};
}

TEST_CASE("graph: a max pooling after a fused ReLU joins the fusion; gradients are those of the unfused graph") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  // Two graphs of the same parameters: in the second, relu + relu (an Add of the ReLU and a 1×1
  // pooling of it) keeps the pooling apart and doubles the output and the gradients.
  auto make = [](bool separate) {
    auto graph = std::make_unique<Graph>(Shape4{1, 2, 8, 8});
    auto x = graph->add("conv", std::make_unique<Conv2d>(Conv2dSpec{2, 4, 3, 1, 1}), Graph::input());
    x = graph->add("bn", std::make_unique<BatchNorm2d>(4), x);
    x = graph->add("relu", std::make_unique<Relu>(), x);
    if (separate) {
      auto copy = graph->add("copy", std::make_unique<AvgPool2d>(1), x);
      x = graph->add("sum", std::make_unique<Add>(), {x, copy});
    }
    x = graph->add("pool", std::make_unique<MaxPool2d>(2), x);
    graph->add("pool_all", std::make_unique<MaxPool2d>(4), x);
    return graph;
  };
  auto fused = make(false);
  auto separate = make(true);
  fused->build(*fixture.backend);
  separate->build(*fixture.backend);
  CHECK(dynamic_cast<BatchNorm2d*>(fused->layer(2))->spec().fused_max_pool == 2);
  CHECK(fused->layer(4)->is_identity());
  CHECK_FALSE(fused->layer(5)->is_identity());  // after a pooling, not a ReLU
  CHECK(dynamic_cast<BatchNorm2d*>(separate->layer(2))->spec().fused_max_pool == 0);
  const auto difference = compare_graphs(*fixture.backend, *fused, *separate, 2.0F, 7);
  CHECK(difference.output < 1e-6);
  CHECK(difference.gradient < 1e-5);
}

// The cpu backend seen through a backend that supports no fusion: every call is forwarded.
class NoFusionBackend final : public Backend {
 public:
  explicit NoFusionBackend(Backend& inner) : inner_(inner) {}
  [[nodiscard]] std::string name() const override { return inner_.name(); }
  [[nodiscard]] std::string description() const override { return inner_.description() + ", no fusion"; }
  [[nodiscard]] bool supports(const BatchNormSpec& spec) const override {
    return !spec.fuse_relu && spec.fused_max_pool == 0;
  }
  [[nodiscard]] Tensor create_tensor(const Shape4& shape) override { return inner_.create_tensor(shape); }
  void write_tensor(const float* src, Tensor& dst) override { inner_.write_tensor(src, dst); }
  void read_tensor(const Tensor& src, float* dst) override { inner_.read_tensor(src, dst); }
  void gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
              std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) override {
    inner_.gather(samples, sample_count, labels, indices, dst, dst_labels);
  }
  [[nodiscard]] std::unique_ptr<Conv2dOp> make_conv2d(const Conv2dSpec& spec) override {
    return inner_.make_conv2d(spec);
  }
  [[nodiscard]] std::unique_ptr<BatchNormOp> make_batch_norm(const BatchNormSpec& spec) override {
    REQUIRE(supports(spec));
    return inner_.make_batch_norm(spec);
  }
  [[nodiscard]] std::unique_ptr<ReluOp> make_relu() override { return inner_.make_relu(); }
  [[nodiscard]] std::unique_ptr<PoolOp> make_pool(const PoolSpec& spec) override { return inner_.make_pool(spec); }
  [[nodiscard]] std::unique_ptr<LinearOp> make_linear(const LinearSpec& spec) override {
    return inner_.make_linear(spec);
  }
  [[nodiscard]] std::unique_ptr<LossOp> make_loss(LossKind kind, std::int64_t classes) override {
    return inner_.make_loss(kind, classes);
  }
  void add(const Tensor& a, const Tensor& b, Tensor& dst) override { inner_.add(a, b, dst); }
  void accumulate(const Tensor& src, Tensor& dst) override { inner_.accumulate(src, dst); }
  void pairwise_squared_distances(ConstVectorView rows, std::int64_t count, std::int64_t dim,
                                  std::span<double> dst) override {
    inner_.pairwise_squared_distances(rows, count, dim, dst);
  }

 protected:
  [[nodiscard]] std::unique_ptr<DeviceBuffer> do_allocate(std::size_t count, DType dtype) override {
    return inner_.allocate(count, dtype);
  }
  void do_upload(const void* src, VectorView dst) override { inner_.upload(src, dst); }
  void do_download(ConstVectorView src, void* dst) override { inner_.download(src, dst); }
  void do_fill(VectorView x, double value) override { inner_.fill(x, value); }
  void do_copy(ConstVectorView src, VectorView dst) override { inner_.copy(src, dst); }
  void do_axpy(double alpha, ConstVectorView x, VectorView y) override { inner_.axpy(alpha, x, y); }
  void do_scale(double alpha, VectorView x) override { inner_.scale(alpha, x); }
  [[nodiscard]] double do_dot(ConstVectorView x, ConstVectorView y) override { return inner_.dot(x, y); }

 private:
  Backend& inner_;
};

TEST_CASE("graph: fusion is the backend's choice; a backend that fuses nothing gets the same gradients") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  NoFusionBackend plain(*fixture.backend);
  auto make = [] {
    auto graph = std::make_unique<Graph>(Shape4{1, 2, 8, 8});
    auto x = graph->add("conv", std::make_unique<Conv2d>(Conv2dSpec{2, 4, 3, 1, 1}), Graph::input());
    x = graph->add("bn", std::make_unique<BatchNorm2d>(4), x);
    x = graph->add("relu", std::make_unique<Relu>(), x);
    x = graph->add("pool", std::make_unique<MaxPool2d>(2), x);
    graph->add("pool_all", std::make_unique<MaxPool2d>(4), x);
    return graph;
  };
  auto fused = make();
  auto unfused = make();
  fused->build(*fixture.backend);
  unfused->build(plain);
  CHECK(dynamic_cast<BatchNorm2d*>(fused->layer(2))->spec().fused_max_pool == 2);
  const auto& unfused_spec = dynamic_cast<BatchNorm2d*>(unfused->layer(2))->spec();
  CHECK_FALSE(unfused_spec.fuse_relu);
  CHECK(unfused_spec.fused_max_pool == 0);
  CHECK_FALSE(unfused->layer(3)->is_identity());
  CHECK_FALSE(unfused->layer(4)->is_identity());
  const auto difference = compare_graphs(*fixture.backend, *fused, *unfused, 1.0F, 11);
  CHECK(difference.output < 1e-6);
  CHECK(difference.gradient < 1e-5);
}

TEST_CASE("graph: shapes that do not fit raise UserError naming the layer") {
  Graph graph({1, 3, 6, 6});
  auto x = graph.add("pool", std::make_unique<MaxPool2d>(4), Graph::input());
  CHECK_THROWS_WITH_AS(graph.add("pool_again", std::make_unique<MaxPool2d>(4), x), doctest::Contains("pool_again"),
                       UserError);
  CHECK_THROWS_WITH_AS(graph.add("conv", std::make_unique<Conv2d>(Conv2dSpec{4, 8, 3, 1, 1}), x),
                       doctest::Contains("expects 4 channels"), UserError);
  CHECK_THROWS_WITH_AS(graph.add("head", std::make_unique<Linear>(LinearSpec{3, 2, true}), Graph::input()),
                       doctest::Contains("1x1 input"), UserError);
  CHECK_THROWS_AS(graph.add("twice", std::make_unique<Add>(), {x, x}), std::logic_error);
}

TEST_CASE("graph: one set of tensors serves every batch size; results do not depend on what ran before") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ResidualToy model(fixture.context(), false);
  const std::vector<std::int32_t> a{1, 2, 3, 4, 5}, b{6, 7, 8}, c{0, 1}, d{9, 10, 11, 12};
  const auto first = model.evaluate_batch({Split::test, a}, Mode::evaluation, false);
  const TensorStorage* input_storage = model.graph().input_tensor(5).storage();
  for (const auto& other : {b, c, d, b}) (void)model.evaluate_batch({Split::train, other}, Mode::evaluation, false);
  const auto again = model.evaluate_batch({Split::test, a}, Mode::evaluation, false);
  CHECK(again.sum == first.sum);
  CHECK(again.correct == first.correct);
  // A gradient survives other batch sizes in between.
  (void)model.evaluate_batch({Split::train, d}, Mode::training, true);
  const auto gradient = testing::download_floats(*fixture.backend, model.gradients());
  for (const auto& other : {a, b, c}) (void)model.evaluate_batch({Split::train, other}, Mode::training, true);
  (void)model.evaluate_batch({Split::train, d}, Mode::training, true);
  CHECK(testing::download_floats(*fixture.backend, model.gradients()) == gradient);
  // Smaller batches reuse the memory of the first one (no tensors per batch size).
  CHECK(model.graph().input_tensor(3).storage() == input_storage);
}

TEST_CASE("graph model: state round trip restores parameters and running statistics") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ResidualToy trained(fixture.context(), false, 7);
  const std::vector<std::int32_t> batch{0, 1, 2, 3, 4, 5, 6, 7};
  for (int i = 0; i < 3; ++i) (void)trained.evaluate_batch({Split::train, batch}, Mode::training, false);
  StateArchive archive;
  trained.save_state(archive, "model");
  CHECK(archive.has("model.parameters"));
  CHECK(archive.has("model.bn_a.running_mean"));
  CHECK(archive.has("model.bn_out.running_var"));

  ResidualToy restored(fixture.context(), false, 99);
  const std::vector<std::int32_t> test{0, 1, 2, 3, 4, 5, 6, 7};
  CHECK(restored.evaluate_batch({Split::test, test}, Mode::evaluation, false).sum !=
        trained.evaluate_batch({Split::test, test}, Mode::evaluation, false).sum);
  restored.load_state(archive, "model");
  CHECK(restored.evaluate_batch({Split::test, test}, Mode::evaluation, false).sum ==
        trained.evaluate_batch({Split::test, test}, Mode::evaluation, false).sum);
  CHECK(testing::download_floats(*fixture.backend, restored.parameters()) ==
        testing::download_floats(*fixture.backend, trained.parameters()));

  StateArchive wrong;
  wrong.put_vector<float>("model.parameters", std::vector<float>(3, 0.0F));
  CHECK_THROWS_WITH_AS(restored.load_state(wrong, "model"), doctest::Contains("model.parameters"), UserError);
}

TEST_CASE("graph model: bad batches are refused") {
  Fixture fixture;
  if (!fixture.backend) return testing::report_skip(fixture.why_not);
  ResidualToy model(fixture.context(), false);
  const std::vector<std::int32_t> outside{0, 16};
  CHECK_THROWS_AS((void)model.evaluate_batch({Split::train, outside}, Mode::training, false), std::out_of_range);
  CHECK_THROWS_AS((void)model.evaluate_batch({Split::train, {}}, Mode::training, false), std::invalid_argument);
  const std::vector<std::int32_t> fine{0, 1};
  CHECK_THROWS_AS((void)model.evaluate_batch({Split::train, fine}, Mode::evaluation, true), std::invalid_argument);
  ModelContext no_data{*fixture.backend, fixture.images->info(), nullptr, std::nullopt};
  ResidualToy without_data(no_data, false);
  CHECK_THROWS_AS((void)without_data.evaluate_batch({Split::train, fine}, Mode::training, false), UserError);
}
