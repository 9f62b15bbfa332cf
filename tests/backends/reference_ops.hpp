#pragma once
// Float64 reference implementations of every network op, as naive loops on plain NCHW data,
// with PyTorch's semantics. The suite checks them against finite differences, then every
// backend against them.

#include <thermo/backend.hpp>

#include <cstdint>
#include <vector>

namespace thermo::conformance::reference {

using Values = std::vector<double>;

Values conv2d_forward(const Values& src, const Shape4& src_shape, const Values& weight, const Conv2dSpec& spec);
Values conv2d_backward_data(const Values& diff_dst, const Shape4& src_shape, const Values& weight,
                            const Conv2dSpec& spec);
Values conv2d_backward_weights(const Values& src, const Shape4& src_shape, const Values& diff_dst,
                               const Conv2dSpec& spec);

struct BatchStatistics {
  Values mean;
  Values variance;  // biased (divided by N·H·W)
};
BatchStatistics batch_statistics(const Values& src, const Shape4& shape);
// Normalises with the given statistics (then ReLU when fuse_relu).
Values batch_norm_forward(const Values& src, const Shape4& shape, const Values& mean, const Values& variance,
                          double eps, bool fuse_relu);
// Gradient through the batch statistics of src.
Values batch_norm_backward(const Values& diff_dst, const Values& src, const Shape4& shape, double eps, bool fuse_relu);
// PyTorch's running-statistics update after one training forward on src.
void update_running_statistics(const Values& src, const Shape4& shape, double momentum, Values& running_mean,
                               Values& running_var);

Values relu_forward(const Values& src);
Values relu_backward(const Values& diff_dst, const Values& src);

// Max pooling takes the first maximum in scan order (and ignores padding); average pooling
// divides by kernel² (padding counted, PyTorch's count_include_pad = True).
Values pool_forward(const Values& src, const Shape4& src_shape, const PoolSpec& spec);
Values pool_backward(const Values& diff_dst, const Values& src, const Shape4& src_shape, const PoolSpec& spec);

// src: batch × in_features; weight: out × in.
Values linear_forward(const Values& src, std::int64_t batch, const Values& weight, const Values& bias,
                      const LinearSpec& spec);
Values linear_backward_data(const Values& diff_dst, std::int64_t batch, const Values& weight, const LinearSpec& spec);
struct LinearGradients {
  Values weight;
  Values bias;
};
LinearGradients linear_backward_weights(const Values& src, const Values& diff_dst, std::int64_t batch,
                                        const LinearSpec& spec);

LossValue loss_forward(const Values& logits, const std::vector<std::int32_t>& labels, LossKind kind,
                       std::int64_t classes);
Values loss_backward(const Values& logits, const std::vector<std::int32_t>& labels, LossKind kind, std::int64_t classes,
                     double scale);

}  // namespace thermo::conformance::reference
