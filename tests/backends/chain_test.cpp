// A small ConvNet run through the ops in sequence, forward and backward, against the float64
// reference: the layouts a backend chooses must flow between its ops (conv → BN → ReLU → pool
// → linear → loss and back) with the same results as plain NCHW.
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace thermo::conformance {
namespace {

constexpr double kChainTolerance = 1e-4;  // float32 through three BN backwards (observed ~2e-6)

TEST_CASE("chain: a small ConvNet forward and backward matches the float64 reference") {
  Random random(81);
  const std::int64_t batch = 3;
  const Shape4 input{batch, 3, 8, 8};
  const Conv2dSpec conv1{3, 6, 3, 1, 1};
  const Conv2dSpec conv2{6, 12, 3, 1, 1};
  const Conv2dSpec conv3{12, 20, 3, 1, 1};
  const PoolSpec pool2{PoolKind::max, 2, 2, 0};
  const LinearSpec head{20, 4, true};
  const double eps = 1e-5;
  const Shape4 s1 = conv1.output_shape(input);  // 3×6×8×8
  const Shape4 s2 = conv2.output_shape(s1);     // 3×12×8×8
  const Shape4 p2 = pool2.output_shape(s2);     // 3×12×4×4
  const Shape4 s3 = conv3.output_shape(p2);     // 3×20×4×4
  const Shape4 p3 = pool2.output_shape(s3);     // 3×20×2×2
  const Shape4 p4 = pool2.output_shape(p3);     // 3×20×1×1
  const Shape4 logits_shape{batch, head.out_features, 1, 1};

  const auto x = random.normal(static_cast<std::size_t>(input.count()));
  const auto w1 = random.uniform(static_cast<std::size_t>(conv1.weight_count()), -0.4, 0.4);
  const auto w2 = random.uniform(static_cast<std::size_t>(conv2.weight_count()), -0.2, 0.2);
  const auto w3 = random.uniform(static_cast<std::size_t>(conv3.weight_count()), -0.1, 0.1);
  const auto wl = random.uniform(static_cast<std::size_t>(head.in_features * head.out_features), -0.5, 0.5);
  const auto bl = random.uniform(static_cast<std::size_t>(head.out_features), -0.5, 0.5);
  const auto labels = random.labels(static_cast<std::size_t>(batch), 4);
  const double scale = 1.0 / static_cast<double>(batch);

  // The reference, in float64.
  namespace ref = reference;
  auto normalise = [&](const std::vector<double>& v, const Shape4& shape, bool fuse) {
    const auto statistics = ref::batch_statistics(v, shape);
    return ref::batch_norm_forward(v, shape, statistics.mean, statistics.variance, eps, fuse);
  };
  const auto c1 = ref::conv2d_forward(x, input, w1, conv1);
  const auto a1 = normalise(c1, s1, true);
  const auto c2 = ref::conv2d_forward(a1, s1, w2, conv2);
  const auto n2 = normalise(c2, s2, false);
  const auto a2 = ref::relu_forward(n2);
  const auto q2 = ref::pool_forward(a2, s2, pool2);
  const auto c3 = ref::conv2d_forward(q2, p2, w3, conv3);
  const auto a3 = normalise(c3, s3, true);
  const auto q3 = ref::pool_forward(a3, s3, pool2);
  const auto q4 = ref::pool_forward(q3, p3, pool2);
  const auto logits = ref::linear_forward(q4, batch, wl, bl, head);
  const auto loss = ref::loss_forward(logits, labels, LossKind::cross_entropy, head.out_features);
  const auto d_logits = ref::loss_backward(logits, labels, LossKind::cross_entropy, head.out_features, scale);
  const auto head_gradients = ref::linear_backward_weights(q4, d_logits, batch, head);
  const auto d_q4 = ref::linear_backward_data(d_logits, batch, wl, head);
  const auto d_q3 = ref::pool_backward(d_q4, q3, p3, pool2);
  const auto d_a3 = ref::pool_backward(d_q3, a3, s3, pool2);
  const auto d_c3 = ref::batch_norm_backward(d_a3, c3, s3, eps, true);
  const auto d_w3 = ref::conv2d_backward_weights(q2, p2, d_c3, conv3);
  const auto d_q2 = ref::conv2d_backward_data(d_c3, p2, w3, conv3);
  const auto d_a2 = ref::pool_backward(d_q2, a2, s2, pool2);
  const auto d_n2 = ref::relu_backward(d_a2, n2);
  const auto d_c2 = ref::batch_norm_backward(d_n2, c2, s2, eps, false);
  const auto d_w2 = ref::conv2d_backward_weights(a1, s1, d_c2, conv2);
  const auto d_a1 = ref::conv2d_backward_data(d_c2, s1, w2, conv2);
  const auto d_c1 = ref::batch_norm_backward(d_a1, c1, s1, eps, true);
  const auto d_w1 = ref::conv2d_backward_weights(x, input, d_c1, conv1);
  const auto d_x = ref::conv2d_backward_data(d_c1, input, w1, conv1);

  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    auto conv1_op = backend.make_conv2d(conv1);
    auto conv2_op = backend.make_conv2d(conv2);
    auto conv3_op = backend.make_conv2d(conv3);
    auto bn1 = backend.make_batch_norm({s1.c, eps, 0.1, true});
    auto bn2 = backend.make_batch_norm({s2.c, eps, 0.1, false});
    auto bn3 = backend.make_batch_norm({s3.c, eps, 0.1, true});
    auto relu2 = backend.make_relu();
    auto pool_a = backend.make_pool(pool2);
    auto pool_b = backend.make_pool(pool2);
    auto pool_c = backend.make_pool(pool2);
    auto linear = backend.make_linear(head);
    auto loss_op = backend.make_loss(LossKind::cross_entropy, head.out_features);
    const auto w1_buffer = upload_vector(backend, w1, DType::f32);
    const auto w2_buffer = upload_vector(backend, w2, DType::f32);
    const auto w3_buffer = upload_vector(backend, w3, DType::f32);
    const auto wl_buffer = upload_vector(backend, wl, DType::f32);
    const auto bl_buffer = upload_vector(backend, bl, DType::f32);
    const auto label_buffer = upload_labels(backend, labels);
    std::vector<std::unique_ptr<DeviceBuffer>> statistics;
    for (const std::int64_t channels : {s1.c, s2.c, s3.c}) {
      statistics.push_back(
          upload_vector(backend, std::vector<double>(static_cast<std::size_t>(channels), 0.0), DType::f32));
      statistics.push_back(
          upload_vector(backend, std::vector<double>(static_cast<std::size_t>(channels), 1.0), DType::f32));
    }
    auto gradient = [&](std::size_t count) { return backend.allocate(count, DType::f32); };
    auto g1 = gradient(w1.size());
    auto g2 = gradient(w2.size());
    auto g3 = gradient(w3.size());
    auto gl = gradient(wl.size());
    auto gb = gradient(bl.size());

    const Tensor x_t = upload_tensor(backend, input, x);
    Tensor c1_t = backend.create_tensor(s1), a1_t = backend.create_tensor(s1);
    Tensor c2_t = backend.create_tensor(s2), n2_t = backend.create_tensor(s2), a2_t = backend.create_tensor(s2);
    Tensor q2_t = backend.create_tensor(p2), c3_t = backend.create_tensor(s3), a3_t = backend.create_tensor(s3);
    Tensor q3_t = backend.create_tensor(p3), q4_t = backend.create_tensor(p4);
    Tensor logits_t = backend.create_tensor(logits_shape);
    conv1_op->forward(x_t, w1_buffer->view(), c1_t);
    bn1->forward_training(c1_t, a1_t, statistics[0]->view(), statistics[1]->view());
    conv2_op->forward(a1_t, w2_buffer->view(), c2_t);
    bn2->forward_training(c2_t, n2_t, statistics[2]->view(), statistics[3]->view());
    relu2->forward(n2_t, a2_t);
    pool_a->forward(a2_t, q2_t, true);
    conv3_op->forward(q2_t, w3_buffer->view(), c3_t);
    bn3->forward_training(c3_t, a3_t, statistics[4]->view(), statistics[5]->view());
    pool_b->forward(a3_t, q3_t, true);
    pool_c->forward(q3_t, q4_t, true);
    linear->forward(q4_t, wl_buffer->view(), bl_buffer->view(), logits_t);
    const LossValue value = loss_op->forward(logits_t, label_buffer->view());
    check_close(download_tensor(backend, logits_t), logits, kChainTolerance, "logits");
    check_close({value.sum}, {loss.sum}, kChainTolerance, "loss");
    CHECK(value.correct == loss.correct);

    Tensor d_logits_t = backend.create_tensor(logits_shape), d_q4_t = backend.create_tensor(p4);
    Tensor d_q3_t = backend.create_tensor(p3), d_a3_t = backend.create_tensor(s3), d_c3_t = backend.create_tensor(s3);
    Tensor d_q2_t = backend.create_tensor(p2), d_a2_t = backend.create_tensor(s2), d_n2_t = backend.create_tensor(s2);
    Tensor d_c2_t = backend.create_tensor(s2), d_a1_t = backend.create_tensor(s1), d_c1_t = backend.create_tensor(s1);
    Tensor d_x_t = backend.create_tensor(input);
    loss_op->backward(scale, d_logits_t);
    linear->backward_weights(q4_t, d_logits_t, gl->view(), gb->view());
    linear->backward_data(d_logits_t, wl_buffer->view(), d_q4_t);
    pool_c->backward(d_q4_t, d_q3_t);
    pool_b->backward(d_q3_t, d_a3_t);
    bn3->backward(d_a3_t, d_c3_t);
    conv3_op->backward_weights(q2_t, d_c3_t, g3->view());
    conv3_op->backward_data(d_c3_t, w3_buffer->view(), d_q2_t);
    pool_a->backward(d_q2_t, d_a2_t);
    relu2->backward(d_a2_t, d_n2_t);
    bn2->backward(d_n2_t, d_c2_t);
    conv2_op->backward_weights(a1_t, d_c2_t, g2->view());
    conv2_op->backward_data(d_c2_t, w2_buffer->view(), d_a1_t);
    bn1->backward(d_a1_t, d_c1_t);
    conv1_op->backward_weights(x_t, d_c1_t, g1->view());
    conv1_op->backward_data(d_c1_t, w1_buffer->view(), d_x_t);

    check_close(download_vector(backend, gl->view()), head_gradients.weight, kChainTolerance, "head weight gradient");
    check_close(download_vector(backend, gb->view()), head_gradients.bias, kChainTolerance, "head bias gradient");
    check_close(download_vector(backend, g3->view()), d_w3, kChainTolerance, "conv3 weight gradient");
    check_close(download_vector(backend, g2->view()), d_w2, kChainTolerance, "conv2 weight gradient");
    check_close(download_vector(backend, g1->view()), d_w1, kChainTolerance, "conv1 weight gradient");
    check_close(download_tensor(backend, d_x_t), d_x, kChainTolerance, "input gradient");
  }
}

}  // namespace
}  // namespace thermo::conformance
