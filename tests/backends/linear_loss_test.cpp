// The classifier head: linear forward and gradients, cross-entropy and MSE with their
// gradients (sum over the batch, count of correct arg-max predictions, stability with huge
// logits).
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace thermo::conformance {
namespace {

constexpr double kLinearTolerance = 1e-5;
constexpr double kLossTolerance = 1e-5;  // a float32 sum over a batch of 130 stays well inside

TEST_CASE("linear: the float64 reference gradients match central finite differences") {
  Random random(51);
  const std::int64_t batch = 3;
  const LinearSpec spec{5, 4, true};
  const auto src = random.normal(static_cast<std::size_t>(batch * spec.in_features));
  const auto weight = random.normal(static_cast<std::size_t>(spec.in_features * spec.out_features));
  const auto bias = random.normal(static_cast<std::size_t>(spec.out_features));
  const auto projection = random.normal(static_cast<std::size_t>(batch * spec.out_features));
  auto objective = [&](const std::vector<double>& x, const std::vector<double>& w, const std::vector<double>& b) {
    return weighted_sum(reference::linear_forward(x, batch, w, b, spec), projection);
  };
  const auto gradients = reference::linear_backward_weights(src, projection, batch, spec);
  check_close(reference::linear_backward_data(projection, batch, weight, spec),
              numeric_gradient([&](const std::vector<double>& x) { return objective(x, weight, bias); }, src), 1e-8,
              "reference backward data");
  check_close(gradients.weight,
              numeric_gradient([&](const std::vector<double>& w) { return objective(src, w, bias); }, weight), 1e-8,
              "reference weight gradient");
  check_close(gradients.bias,
              numeric_gradient([&](const std::vector<double>& b) { return objective(src, weight, b); }, bias), 1e-8,
              "reference bias gradient");
}

TEST_CASE("linear: forward, backward data and weight/bias gradients match the float64 reference") {
  Random random(52);
  struct LinearCase {
    std::int64_t batch;
    LinearSpec spec;
  };
  for (const LinearCase test : {LinearCase{3, {20, 10, true}}, LinearCase{1, {64, 10, false}},
                                LinearCase{5, {33, 7, true}}, LinearCase{128, {512, 100, false}}}) {
    const auto& spec = test.spec;
    const Shape4 src_shape{test.batch, spec.in_features, 1, 1};
    const Shape4 dst_shape{test.batch, spec.out_features, 1, 1};
    const auto src = random.normal(static_cast<std::size_t>(src_shape.count()));
    const auto weight = random.uniform(static_cast<std::size_t>(spec.in_features * spec.out_features), -0.5, 0.5);
    const auto bias = random.uniform(static_cast<std::size_t>(spec.out_features), -0.5, 0.5);
    const auto diff_dst = random.normal(static_cast<std::size_t>(dst_shape.count()));
    const auto expected_gradients = reference::linear_backward_weights(src, diff_dst, test.batch, spec);
    for (const auto& named : backends()) {
      INFO("backend " << named.name << ", batch " << test.batch << ", " << spec.in_features << "->" << spec.out_features
                      << std::string(spec.bias ? " with bias" : " without bias"));
      Backend& backend = *named.backend;
      auto op = backend.make_linear(spec);
      const auto weight_buffer = upload_vector(backend, weight, DType::f32);
      const auto bias_buffer = upload_vector(backend, bias, DType::f32);
      auto diff_weight = backend.allocate(weight.size(), DType::f32);
      auto diff_bias = backend.allocate(bias.size(), DType::f32);
      backend.fill(diff_weight->view(), 7.0);
      backend.fill(diff_bias->view(), 7.0);
      const ConstVectorView bias_view = spec.bias ? ConstVectorView(bias_buffer->view()) : ConstVectorView();
      const Tensor src_tensor = upload_tensor(backend, src_shape, src);
      const Tensor diff_dst_tensor = upload_tensor(backend, dst_shape, diff_dst);
      Tensor dst = backend.create_tensor(dst_shape);
      Tensor diff_src = backend.create_tensor(src_shape);
      op->forward(src_tensor, weight_buffer->view(), bias_view, dst);
      check_close(download_tensor(backend, dst), reference::linear_forward(src, test.batch, weight, bias, spec),
                  kLinearTolerance, "forward");
      op->backward_data(diff_dst_tensor, weight_buffer->view(), diff_src);
      check_close(download_tensor(backend, diff_src),
                  reference::linear_backward_data(diff_dst, test.batch, weight, spec), kLinearTolerance,
                  "backward data");
      op->backward_weights(src_tensor, diff_dst_tensor, diff_weight->view(),
                           spec.bias ? diff_bias->view() : VectorView());
      check_close(download_vector(backend, diff_weight->view()), expected_gradients.weight, kLinearTolerance,
                  "weight gradient");
      if (spec.bias) {
        check_close(download_vector(backend, diff_bias->view()), expected_gradients.bias, kLinearTolerance,
                    "bias gradient");
      }
    }
  }
}

TEST_CASE("losses: the float64 reference gradient matches central finite differences") {
  Random random(53);
  const std::int64_t classes = 5;
  const auto logits = random.normal(4 * classes, 2.0);
  const auto labels = random.labels(4, classes);
  for (const LossKind kind : {LossKind::cross_entropy, LossKind::mse}) {
    INFO(std::string(to_string(kind)));
    const auto numeric = numeric_gradient(
        [&](const std::vector<double>& z) { return reference::loss_forward(z, labels, kind, classes).sum; }, logits);
    check_close(reference::loss_backward(logits, labels, kind, classes, 1.0), numeric, 1e-8,
                "reference gradient vs finite differences");
  }
}

TEST_CASE("losses: sum, correct count and scaled gradient match the float64 reference") {
  Random random(54);
  struct LossCase {
    std::int64_t batch;
    std::int64_t classes;
    double logit_scale;
  };
  // The last case has logits of ±3e4: exp overflows unless the loss subtracts the maximum.
  for (const LossCase test :
       {LossCase{6, 10, 3.0}, LossCase{1, 10, 1.0}, LossCase{130, 100, 5.0}, LossCase{7, 10, 3e4}}) {
    const Shape4 shape{test.batch, test.classes, 1, 1};
    const auto logits = random.uniform(static_cast<std::size_t>(shape.count()), -test.logit_scale, test.logit_scale);
    const auto labels = random.labels(static_cast<std::size_t>(test.batch), static_cast<std::int32_t>(test.classes));
    for (const LossKind kind : {LossKind::cross_entropy, LossKind::mse}) {
      const auto expected = reference::loss_forward(logits, labels, kind, test.classes);
      for (const auto& named : backends()) {
        INFO("backend " << named.name << ", " << std::string(to_string(kind)) << ", batch " << test.batch
                        << ", classes " << test.classes << ", logits up to " << test.logit_scale);
        Backend& backend = *named.backend;
        auto op = backend.make_loss(kind, test.classes);
        const Tensor logits_tensor = upload_tensor(backend, shape, logits);
        const auto label_buffer = upload_labels(backend, labels);
        const LossValue value = op->forward(logits_tensor, label_buffer->view());
        CHECK(value.count == test.batch);
        CHECK(value.correct == expected.correct);
        check_close({value.sum}, {expected.sum}, kLossTolerance, "loss sum");
        for (const double scale : {1.0, 1.0 / static_cast<double>(test.batch)}) {
          Tensor diff = backend.create_tensor(shape);
          op->backward(scale, diff);
          check_close(download_tensor(backend, diff),
                      reference::loss_backward(logits, labels, kind, test.classes, scale), kLossTolerance,
                      "gradient, scale " + std::to_string(scale));
        }
      }
    }
  }
}

}  // namespace
}  // namespace thermo::conformance
