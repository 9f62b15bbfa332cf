#include "reference_ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace thermo::conformance::reference {
namespace {

using Index = std::int64_t;

struct Nchw {
  Shape4 shape;
  [[nodiscard]] std::size_t at(Index n, Index c, Index y, Index x) const {
    return static_cast<std::size_t>(((n * shape.c + c) * shape.h + y) * shape.w + x);
  }
};

std::size_t weight_at(const Conv2dSpec& spec, Index o, Index c, Index ky, Index kx) {
  return static_cast<std::size_t>(((o * spec.in_channels + c) * spec.kernel + ky) * spec.kernel + kx);
}

// Calls visit(n, o, y, x, c, ky, kx, src_y, src_x) for every in-range term of the convolution.
template <typename Visit>
void for_each_conv_term(const Shape4& src_shape, const Conv2dSpec& spec, Visit visit) {
  const Shape4 dst_shape = spec.output_shape(src_shape);
  for (Index n = 0; n < src_shape.n; ++n) {
    for (Index o = 0; o < spec.out_channels; ++o) {
      for (Index y = 0; y < dst_shape.h; ++y) {
        for (Index x = 0; x < dst_shape.w; ++x) {
          for (Index c = 0; c < spec.in_channels; ++c) {
            for (Index ky = 0; ky < spec.kernel; ++ky) {
              const Index src_y = y * spec.stride - spec.padding + ky;
              if (src_y < 0 || src_y >= src_shape.h) continue;
              for (Index kx = 0; kx < spec.kernel; ++kx) {
                const Index src_x = x * spec.stride - spec.padding + kx;
                if (src_x < 0 || src_x >= src_shape.w) continue;
                visit(n, o, y, x, c, ky, kx, src_y, src_x);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

Values conv2d_forward(const Values& src, const Shape4& src_shape, const Values& weight, const Conv2dSpec& spec) {
  const Nchw in{src_shape};
  const Nchw out{spec.output_shape(src_shape)};
  Values dst(static_cast<std::size_t>(out.shape.count()), 0.0);
  for_each_conv_term(src_shape, spec,
                     [&](Index n, Index o, Index y, Index x, Index c, Index ky, Index kx, Index sy, Index sx) {
                       dst[out.at(n, o, y, x)] += src[in.at(n, c, sy, sx)] * weight[weight_at(spec, o, c, ky, kx)];
                     });
  return dst;
}

Values conv2d_backward_data(const Values& diff_dst, const Shape4& src_shape, const Values& weight,
                            const Conv2dSpec& spec) {
  const Nchw in{src_shape};
  const Nchw out{spec.output_shape(src_shape)};
  Values diff_src(static_cast<std::size_t>(src_shape.count()), 0.0);
  for_each_conv_term(
      src_shape, spec, [&](Index n, Index o, Index y, Index x, Index c, Index ky, Index kx, Index sy, Index sx) {
        diff_src[in.at(n, c, sy, sx)] += diff_dst[out.at(n, o, y, x)] * weight[weight_at(spec, o, c, ky, kx)];
      });
  return diff_src;
}

Values conv2d_backward_weights(const Values& src, const Shape4& src_shape, const Values& diff_dst,
                               const Conv2dSpec& spec) {
  const Nchw in{src_shape};
  const Nchw out{spec.output_shape(src_shape)};
  Values diff_weight(static_cast<std::size_t>(spec.weight_count()), 0.0);
  for_each_conv_term(
      src_shape, spec, [&](Index n, Index o, Index y, Index x, Index c, Index ky, Index kx, Index sy, Index sx) {
        diff_weight[weight_at(spec, o, c, ky, kx)] += diff_dst[out.at(n, o, y, x)] * src[in.at(n, c, sy, sx)];
      });
  return diff_weight;
}

BatchStatistics batch_statistics(const Values& src, const Shape4& shape) {
  const Nchw data{shape};
  const auto count = static_cast<double>(shape.n * shape.h * shape.w);
  BatchStatistics statistics{Values(static_cast<std::size_t>(shape.c), 0.0),
                             Values(static_cast<std::size_t>(shape.c), 0.0)};
  for (Index c = 0; c < shape.c; ++c) {
    double sum = 0.0;
    for (Index n = 0; n < shape.n; ++n) {
      for (Index y = 0; y < shape.h; ++y) {
        for (Index x = 0; x < shape.w; ++x) sum += src[data.at(n, c, y, x)];
      }
    }
    const double mean = sum / count;
    double squares = 0.0;
    for (Index n = 0; n < shape.n; ++n) {
      for (Index y = 0; y < shape.h; ++y) {
        for (Index x = 0; x < shape.w; ++x)
          squares += (src[data.at(n, c, y, x)] - mean) * (src[data.at(n, c, y, x)] - mean);
      }
    }
    statistics.mean[static_cast<std::size_t>(c)] = mean;
    statistics.variance[static_cast<std::size_t>(c)] = squares / count;
  }
  return statistics;
}

Values batch_norm_forward(const Values& src, const Shape4& shape, const Values& mean, const Values& variance,
                          double eps, bool fuse_relu) {
  const Nchw data{shape};
  Values dst(src.size());
  for (Index n = 0; n < shape.n; ++n) {
    for (Index c = 0; c < shape.c; ++c) {
      const double inverse_std = 1.0 / std::sqrt(variance[static_cast<std::size_t>(c)] + eps);
      for (Index y = 0; y < shape.h; ++y) {
        for (Index x = 0; x < shape.w; ++x) {
          const double value = (src[data.at(n, c, y, x)] - mean[static_cast<std::size_t>(c)]) * inverse_std;
          dst[data.at(n, c, y, x)] = fuse_relu ? std::max(value, 0.0) : value;
        }
      }
    }
  }
  return dst;
}

Values batch_norm_backward(const Values& diff_dst, const Values& src, const Shape4& shape, double eps, bool fuse_relu) {
  const Nchw data{shape};
  const auto statistics = batch_statistics(src, shape);
  const auto normalised = batch_norm_forward(src, shape, statistics.mean, statistics.variance, eps, false);
  const auto count = static_cast<double>(shape.n * shape.h * shape.w);
  Values diff_src(src.size());
  for (Index c = 0; c < shape.c; ++c) {
    const double inverse_std = 1.0 / std::sqrt(statistics.variance[static_cast<std::size_t>(c)] + eps);
    double mean_diff = 0.0;
    double mean_diff_normalised = 0.0;
    auto masked = [&](std::size_t at) { return fuse_relu && normalised[at] <= 0.0 ? 0.0 : diff_dst[at]; };
    for (Index n = 0; n < shape.n; ++n) {
      for (Index y = 0; y < shape.h; ++y) {
        for (Index x = 0; x < shape.w; ++x) {
          const auto at = data.at(n, c, y, x);
          mean_diff += masked(at);
          mean_diff_normalised += masked(at) * normalised[at];
        }
      }
    }
    mean_diff /= count;
    mean_diff_normalised /= count;
    for (Index n = 0; n < shape.n; ++n) {
      for (Index y = 0; y < shape.h; ++y) {
        for (Index x = 0; x < shape.w; ++x) {
          const auto at = data.at(n, c, y, x);
          diff_src[at] = inverse_std * (masked(at) - mean_diff - normalised[at] * mean_diff_normalised);
        }
      }
    }
  }
  return diff_src;
}

void update_running_statistics(const Values& src, const Shape4& shape, double momentum, Values& running_mean,
                               Values& running_var) {
  const auto statistics = batch_statistics(src, shape);
  const auto count = static_cast<double>(shape.n * shape.h * shape.w);
  for (std::size_t c = 0; c < running_mean.size(); ++c) {
    running_mean[c] = (1.0 - momentum) * running_mean[c] + momentum * statistics.mean[c];
    running_var[c] = (1.0 - momentum) * running_var[c] + momentum * statistics.variance[c] * count / (count - 1.0);
  }
}

Values relu_forward(const Values& src) {
  Values dst(src.size());
  for (std::size_t index = 0; index < src.size(); ++index) dst[index] = std::max(src[index], 0.0);
  return dst;
}

Values relu_backward(const Values& diff_dst, const Values& src) {
  Values diff_src(src.size());
  for (std::size_t index = 0; index < src.size(); ++index) diff_src[index] = src[index] > 0.0 ? diff_dst[index] : 0.0;
  return diff_src;
}

namespace {
// For each output element, the source index of its first maximum (max pooling).
std::vector<std::size_t> max_positions(const Values& src, const Shape4& src_shape, const PoolSpec& spec) {
  const Nchw in{src_shape};
  const Nchw out{spec.output_shape(src_shape)};
  std::vector<std::size_t> positions(static_cast<std::size_t>(out.shape.count()));
  for (Index n = 0; n < src_shape.n; ++n) {
    for (Index c = 0; c < src_shape.c; ++c) {
      for (Index y = 0; y < out.shape.h; ++y) {
        for (Index x = 0; x < out.shape.w; ++x) {
          double best = -std::numeric_limits<double>::infinity();
          std::size_t best_at = 0;
          for (Index ky = 0; ky < spec.kernel; ++ky) {
            const Index sy = y * spec.stride - spec.padding + ky;
            if (sy < 0 || sy >= src_shape.h) continue;
            for (Index kx = 0; kx < spec.kernel; ++kx) {
              const Index sx = x * spec.stride - spec.padding + kx;
              if (sx < 0 || sx >= src_shape.w) continue;
              if (src[in.at(n, c, sy, sx)] > best) {
                best = src[in.at(n, c, sy, sx)];
                best_at = in.at(n, c, sy, sx);
              }
            }
          }
          positions[out.at(n, c, y, x)] = best_at;
        }
      }
    }
  }
  return positions;
}

// Calls visit(dst index, src index) for every in-range window element (average pooling).
template <typename Visit>
void for_each_window_element(const Shape4& src_shape, const PoolSpec& spec, Visit visit) {
  const Nchw in{src_shape};
  const Nchw out{spec.output_shape(src_shape)};
  for (Index n = 0; n < src_shape.n; ++n) {
    for (Index c = 0; c < src_shape.c; ++c) {
      for (Index y = 0; y < out.shape.h; ++y) {
        for (Index x = 0; x < out.shape.w; ++x) {
          for (Index ky = 0; ky < spec.kernel; ++ky) {
            const Index sy = y * spec.stride - spec.padding + ky;
            if (sy < 0 || sy >= src_shape.h) continue;
            for (Index kx = 0; kx < spec.kernel; ++kx) {
              const Index sx = x * spec.stride - spec.padding + kx;
              if (sx >= 0 && sx < src_shape.w) visit(out.at(n, c, y, x), in.at(n, c, sy, sx));
            }
          }
        }
      }
    }
  }
}
}  // namespace

Values pool_forward(const Values& src, const Shape4& src_shape, const PoolSpec& spec) {
  const auto dst_count = static_cast<std::size_t>(spec.output_shape(src_shape).count());
  Values dst(dst_count, 0.0);
  if (spec.kind == PoolKind::max) {
    const auto positions = max_positions(src, src_shape, spec);
    for (std::size_t index = 0; index < dst_count; ++index) dst[index] = src[positions[index]];
    return dst;
  }
  const double area = static_cast<double>(spec.kernel * spec.kernel);
  for_each_window_element(src_shape, spec, [&](std::size_t out, std::size_t in) { dst[out] += src[in] / area; });
  return dst;
}

Values pool_backward(const Values& diff_dst, const Values& src, const Shape4& src_shape, const PoolSpec& spec) {
  Values diff_src(src.size(), 0.0);
  if (spec.kind == PoolKind::max) {
    const auto positions = max_positions(src, src_shape, spec);
    for (std::size_t index = 0; index < positions.size(); ++index) diff_src[positions[index]] += diff_dst[index];
    return diff_src;
  }
  const double area = static_cast<double>(spec.kernel * spec.kernel);
  for_each_window_element(src_shape, spec,
                          [&](std::size_t out, std::size_t in) { diff_src[in] += diff_dst[out] / area; });
  return diff_src;
}

Values linear_forward(const Values& src, std::int64_t batch, const Values& weight, const Values& bias,
                      const LinearSpec& spec) {
  Values dst(static_cast<std::size_t>(batch * spec.out_features));
  for (Index n = 0; n < batch; ++n) {
    for (Index o = 0; o < spec.out_features; ++o) {
      double sum = spec.bias ? bias[static_cast<std::size_t>(o)] : 0.0;
      for (Index i = 0; i < spec.in_features; ++i) {
        sum += src[static_cast<std::size_t>(n * spec.in_features + i)] *
               weight[static_cast<std::size_t>(o * spec.in_features + i)];
      }
      dst[static_cast<std::size_t>(n * spec.out_features + o)] = sum;
    }
  }
  return dst;
}

Values linear_backward_data(const Values& diff_dst, std::int64_t batch, const Values& weight, const LinearSpec& spec) {
  Values diff_src(static_cast<std::size_t>(batch * spec.in_features), 0.0);
  for (Index n = 0; n < batch; ++n) {
    for (Index o = 0; o < spec.out_features; ++o) {
      for (Index i = 0; i < spec.in_features; ++i) {
        diff_src[static_cast<std::size_t>(n * spec.in_features + i)] +=
            diff_dst[static_cast<std::size_t>(n * spec.out_features + o)] *
            weight[static_cast<std::size_t>(o * spec.in_features + i)];
      }
    }
  }
  return diff_src;
}

LinearGradients linear_backward_weights(const Values& src, const Values& diff_dst, std::int64_t batch,
                                        const LinearSpec& spec) {
  LinearGradients gradients{Values(static_cast<std::size_t>(spec.out_features * spec.in_features), 0.0),
                            Values(static_cast<std::size_t>(spec.out_features), 0.0)};
  for (Index n = 0; n < batch; ++n) {
    for (Index o = 0; o < spec.out_features; ++o) {
      const double diff = diff_dst[static_cast<std::size_t>(n * spec.out_features + o)];
      gradients.bias[static_cast<std::size_t>(o)] += diff;
      for (Index i = 0; i < spec.in_features; ++i) {
        gradients.weight[static_cast<std::size_t>(o * spec.in_features + i)] +=
            diff * src[static_cast<std::size_t>(n * spec.in_features + i)];
      }
    }
  }
  return gradients;
}

LossValue loss_forward(const Values& logits, const std::vector<std::int32_t>& labels, LossKind kind,
                       std::int64_t classes) {
  LossValue value;
  value.count = static_cast<std::int64_t>(labels.size());
  for (std::size_t n = 0; n < labels.size(); ++n) {
    const double* row = logits.data() + n * static_cast<std::size_t>(classes);
    const auto label = static_cast<std::size_t>(labels[n]);
    const auto best = static_cast<std::size_t>(std::max_element(row, row + classes) - row);
    if (best == label) ++value.correct;
    if (kind == LossKind::cross_entropy) {
      const double top = row[best];
      double sum = 0.0;
      for (Index k = 0; k < classes; ++k) sum += std::exp(row[k] - top);
      value.sum += top + std::log(sum) - row[label];
    } else {
      for (Index k = 0; k < classes; ++k) {
        const double difference = row[k] - (static_cast<std::size_t>(k) == label ? 1.0 : 0.0);
        value.sum += difference * difference;
      }
    }
  }
  return value;
}

Values loss_backward(const Values& logits, const std::vector<std::int32_t>& labels, LossKind kind, std::int64_t classes,
                     double scale) {
  Values diff(logits.size());
  for (std::size_t n = 0; n < labels.size(); ++n) {
    const double* row = logits.data() + n * static_cast<std::size_t>(classes);
    double* out = diff.data() + n * static_cast<std::size_t>(classes);
    const auto label = static_cast<std::size_t>(labels[n]);
    if (kind == LossKind::cross_entropy) {
      const double top = *std::max_element(row, row + classes);
      double sum = 0.0;
      for (Index k = 0; k < classes; ++k) sum += std::exp(row[k] - top);
      for (Index k = 0; k < classes; ++k) {
        out[k] = scale * (std::exp(row[k] - top) / sum - (static_cast<std::size_t>(k) == label ? 1.0 : 0.0));
      }
    } else {
      for (Index k = 0; k < classes; ++k) {
        out[k] = scale * 2.0 * (row[k] - (static_cast<std::size_t>(k) == label ? 1.0 : 0.0));
      }
    }
  }
  return diff;
}

}  // namespace thermo::conformance::reference
