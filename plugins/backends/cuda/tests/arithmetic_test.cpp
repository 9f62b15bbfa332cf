// The cuda backend's per-element and per-thread arithmetic (arithmetic/*.hpp), compiled for the
// host: checked against float64 (long double) references and finite differences, without a GPU.
#include "arithmetic/batch_norm.hpp"
#include "arithmetic/elementwise.hpp"
#include "arithmetic/loss.hpp"
#include "arithmetic/pairwise.hpp"
#include "arithmetic/pool.hpp"
#include "arithmetic/reduction.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace arithmetic = thermo::cuda::arithmetic;

namespace {

std::vector<float> normal_floats(std::size_t count, std::uint64_t seed, double mean = 0.0, double sigma = 1.0) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(mean, sigma);
  std::vector<float> values(count);
  for (auto& value : values) value = static_cast<float>(normal(engine));
  return values;
}

}  // namespace

TEST_CASE("reduction: every element is summed once, in float64, for any count") {
  for (const std::int64_t count :
       {std::int64_t{1}, std::int64_t{255}, std::int64_t{2048}, std::int64_t{100003}, std::int64_t{3000017}}) {
    INFO("count " << count);
    const int blocks = arithmetic::reduction_blocks(count);
    CHECK(blocks >= 1);
    CHECK(blocks <= arithmetic::kMaxReductionBlocks);
    std::vector<int> visits(static_cast<std::size_t>(count), 0);
    const double total = arithmetic::reduce_like_device(count, [&](std::int64_t i) {
      ++visits[static_cast<std::size_t>(i)];
      return 1.0;
    });
    CHECK(total == static_cast<double>(count));
    CHECK(std::all_of(visits.begin(), visits.end(), [](int v) { return v == 1; }));
  }
}

TEST_CASE("reduction: a float32 dot product keeps small terms next to large ones (float64 accumulation)") {
  const std::int64_t count = 1000003;
  auto x = normal_floats(static_cast<std::size_t>(count), 1);
  auto y = normal_floats(static_cast<std::size_t>(count), 2);
  x[17] = 4096.0F;  // 2^24 in the product: a float32 sum would drop every later term's low bits
  y[17] = 4096.0F;
  long double exact = 0.0L;
  long double magnitude = 0.0L;
  for (std::int64_t i = 0; i < count; ++i) {
    const auto term = static_cast<long double>(x[static_cast<std::size_t>(i)]) * y[static_cast<std::size_t>(i)];
    exact += term;
    magnitude += std::fabs(term);
  }
  const double device = arithmetic::reduce_like_device(count, [&](std::int64_t i) {
    return arithmetic::product(x[static_cast<std::size_t>(i)], y[static_cast<std::size_t>(i)]);
  });
  CHECK(std::fabs(static_cast<long double>(device) - exact) <= 1e-15L * magnitude);
  // What float32 accumulation would give, to show the test can fail.
  float naive = 0.0F;
  for (std::int64_t i = 0; i < count; ++i) naive += x[static_cast<std::size_t>(i)] * y[static_cast<std::size_t>(i)];
  CHECK(std::fabs(static_cast<long double>(naive) - exact) > 1e-9L * magnitude);
}

TEST_CASE("element-wise: axpy and scale round the float64 result once; ReLU keeps NaN") {
  const float x = 0.1F, y = 3.0F;
  CHECK(arithmetic::axpy(-0.37, x, y) == static_cast<float>(3.0 - 0.37 * static_cast<double>(x)));
  CHECK(arithmetic::scaled(1.0 / 3.0, y) == static_cast<float>(static_cast<double>(y) / 3.0));
  // A factor that float32 cannot hold exactly: scaling in float64 rounds once.
  const double factor = 1.0 + 1e-9;
  CHECK(arithmetic::scaled(factor, 1.0F) == 1.0F);
  CHECK(arithmetic::scaled(factor, 16777215.0F) == static_cast<float>(factor * 16777215.0));

  CHECK(arithmetic::relu(-2.0F) == 0.0F);
  CHECK(arithmetic::relu(2.5F) == 2.5F);
  CHECK(std::isnan(arithmetic::relu(std::numeric_limits<float>::quiet_NaN())));
  CHECK(arithmetic::relu_backward(0.0F, 5.0F) == 0.0F);
  CHECK(arithmetic::relu_backward(1e-30F, 5.0F) == 5.0F);
  CHECK(arithmetic::relu_backward(std::numeric_limits<float>::quiet_NaN(), 5.0F) == 0.0F);
}

TEST_CASE("element-wise: the sphere projection's factor, and the vectors it leaves alone") {
  CHECK(arithmetic::sphere_factor(2.0, 16.0) == 0.5);
  CHECK(arithmetic::sphere_factor(1.0, 0.0) == 1.0);
  CHECK(arithmetic::sphere_factor(1.0, std::numeric_limits<double>::infinity()) == 1.0);
  CHECK(arithmetic::sphere_factor(1.0, std::numeric_limits<double>::quiet_NaN()) == 1.0);
  // Projecting a float32 vector with the float64 norm lands on the sphere to float32 rounding.
  const auto x = normal_floats(4097, 3, 0.0, 7.0);
  const double squared = arithmetic::reduce_like_device(4097, [&](std::int64_t i) {
    return arithmetic::product(x[static_cast<std::size_t>(i)], x[static_cast<std::size_t>(i)]);
  });
  const double factor = arithmetic::sphere_factor(3.0, squared);
  long double norm = 0.0L;
  for (const float value : x) {
    const long double projected = arithmetic::scaled(factor, value);
    norm += projected * projected;
  }
  CHECK(std::fabs(std::sqrt(norm) - 3.0L) < 1e-6L);
}

TEST_CASE("batch norm: shifted float64 sums keep the variance of a channel with a large mean") {
  for (const double spread : {0.1, 0.01, 1e-3}) {
    INFO("spread " << spread);
    const auto x = normal_floats(50000, 4, 5.0, spread);
    // The device adds parts (one per block) of one channel; the shift is the channel's first value.
    arithmetic::ShiftedSums total;
    const std::size_t parts = 7;
    for (std::size_t part = 0; part < parts; ++part) {
      arithmetic::ShiftedSums sums;
      for (std::size_t i = part; i < x.size(); i += parts) arithmetic::add_value(sums, x[i], x[0]);
      total.sum += sums.sum;
      total.squares += sums.squares;
    }
    const auto statistics = arithmetic::finish_statistics(total, x[0], static_cast<std::int64_t>(x.size()));
    long double mean = 0.0L;
    for (const float value : x) mean += value;
    mean /= static_cast<long double>(x.size());
    long double variance = 0.0L;
    for (const float value : x) variance += (value - mean) * (value - mean);
    variance /= static_cast<long double>(x.size());
    CHECK(std::fabs(statistics.mean - mean) <= 1e-15L * 5.0L);
    CHECK(std::fabs(statistics.variance - variance) <= 1e-11L * variance);

    // x̂ from the two-part float32 mean: close to float32 rounding of the exact value.
    const auto normalisation = arithmetic::make_normalisation(statistics.mean, statistics.variance, 1e-5);
    const long double inverse = 1.0L / std::sqrt(variance + 1e-5L);
    double worst = 0.0;
    for (std::size_t i = 0; i < 2000; ++i) {
      const long double exact = (x[i] - mean) * inverse;
      const float y = arithmetic::normalised(x[i], normalisation);
      worst = std::max(worst, static_cast<double>(std::fabs(static_cast<long double>(y) - exact) /
                                                  std::max(1.0L, std::fabs(exact))));
    }
    CHECK(worst < 2e-6);
  }
}

TEST_CASE("batch norm: the backward coefficients give the gradient of float64 finite differences") {
  const std::size_t count = 40;
  const auto x = normal_floats(count, 5, 1.5, 2.0);
  const auto weights = normal_floats(count, 6);
  const double eps = 1e-5;
  for (const bool relu : {false, true}) {
    INFO("relu " << relu);
    // L(x) = Σ w·relu?(BN(x)) in float64.
    auto loss = [&](const std::vector<double>& values) {
      long double mean = 0.0L, variance = 0.0L;
      for (const double v : values) mean += v;
      mean /= count;
      for (const double v : values) variance += (v - mean) * (v - mean);
      variance /= count;
      long double sum = 0.0L;
      for (std::size_t i = 0; i < count; ++i) {
        long double y = (values[i] - mean) / std::sqrt(variance + eps);
        if (relu && y <= 0.0L) y = 0.0L;
        sum += weights[i] * y;
      }
      return static_cast<double>(sum);
    };
    arithmetic::ShiftedSums sums;
    for (const float value : x) arithmetic::add_value(sums, value, x[0]);
    const auto statistics = arithmetic::finish_statistics(sums, x[0], static_cast<std::int64_t>(count));
    const auto n = arithmetic::make_normalisation(statistics.mean, statistics.variance, eps);
    double sum = 0.0, weighted = 0.0;
    for (std::size_t i = 0; i < count; ++i) {
      const float y = arithmetic::normalised(x[i], n);
      const float g = arithmetic::relu_passed(weights[i], y, relu);
      sum += static_cast<double>(g);
      weighted += static_cast<double>(g) * static_cast<double>(y);
    }
    const auto coefficients =
        arithmetic::gradient_coefficients(n.inverse_std, sum, weighted, static_cast<std::int64_t>(count));
    std::vector<double> values(x.begin(), x.end());
    for (std::size_t i = 0; i < count; ++i) {
      const float y = arithmetic::normalised(x[i], n);
      const float g = arithmetic::relu_passed(weights[i], y, relu);
      const double analytic = arithmetic::input_gradient(g, y, n.inverse_std, coefficients);
      const double h = 1e-6;
      auto plus = values, minus = values;
      plus[i] += h;
      minus[i] -= h;
      const double numeric = (loss(plus) - loss(minus)) / (2.0 * h);
      CHECK(analytic == doctest::Approx(numeric).epsilon(1e-4).scale(1.0));
    }
  }
}

TEST_CASE("batch norm: running statistics, the unbiased factor and the fused ReLU's mask") {
  CHECK(arithmetic::running_update(1.0F, 3.0, 0.1) == static_cast<float>(0.9 * 1.0 + 0.1 * 3.0));
  CHECK(arithmetic::unbias_factor(5) == 1.25);
  CHECK(arithmetic::relu_passed(7.0F, -1.0F, true) == 0.0F);
  CHECK(arithmetic::relu_passed(7.0F, -1.0F, false) == 7.0F);
  CHECK(arithmetic::relu_passed(7.0F, std::numeric_limits<float>::quiet_NaN(), true) == 7.0F);
  CHECK(arithmetic::relu_passed(7.0F, 0.0F, true) == 0.0F);
  // A constant channel: variance 0, x̂ = 0.
  arithmetic::ShiftedSums sums;
  for (int i = 0; i < 10; ++i) arithmetic::add_value(sums, 2.5F, 2.5F);
  const auto statistics = arithmetic::finish_statistics(sums, 2.5F, 10);
  CHECK(statistics.mean == 2.5);
  CHECK(statistics.variance == 0.0);
}

TEST_CASE("pooling: the windows that cover an input position, against brute force") {
  for (std::int64_t kernel = 1; kernel <= 4; ++kernel) {
    for (std::int64_t stride = 1; stride <= 3; ++stride) {
      for (std::int64_t padding = 0; 2 * padding <= kernel; ++padding) {
        for (std::int64_t size = kernel; size <= 9; ++size) {
          const std::int64_t outputs = (size + 2 * padding - kernel) / stride + 1;
          for (std::int64_t position = 0; position < size; ++position) {
            std::int64_t first = outputs, last = -1;
            for (std::int64_t o = 0; o < outputs; ++o) {
              const std::int64_t start = o * stride - padding;
              if (position >= start && position < start + kernel) {
                first = std::min(first, o);
                last = std::max(last, o);
              }
            }
            const auto covering = arithmetic::covering_windows(position, kernel, stride, padding, outputs);
            INFO("kernel " << kernel << " stride " << stride << " padding " << padding << " size " << size
                           << " position " << position);
            if (last < 0) {
              CHECK(covering.first > covering.last);
            } else {
              CHECK(covering.first == first);
              CHECK(covering.last == last);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("pooling: the first maximum in scan order wins ties; NaN wins") {
  CHECK(arithmetic::replaces_maximum(2.0F, 1.0F));
  CHECK_FALSE(arithmetic::replaces_maximum(1.0F, 1.0F));
  CHECK(arithmetic::replaces_maximum(std::numeric_limits<float>::quiet_NaN(), 1.0F));
  CHECK_FALSE(arithmetic::replaces_maximum(1.0F, std::numeric_limits<float>::quiet_NaN()));
  CHECK(arithmetic::replaces_maximum(-1e30F, -std::numeric_limits<float>::infinity()));
}

TEST_CASE("losses: cross-entropy and squared error with their gradients, against long double and finite differences") {
  const std::int64_t classes = 10;
  for (const float offset : {0.0F, 1000.0F}) {  // large logits: the maximum's shift keeps exp finite
    auto row = normal_floats(static_cast<std::size_t>(classes), 7, 0.0, 3.0);
    for (auto& value : row) value += offset;
    for (std::int64_t label : {std::int64_t{0}, std::int64_t{7}}) {
      INFO("offset " << offset << " label " << label);
      std::vector<double> gradient(static_cast<std::size_t>(classes));
      const double loss = arithmetic::cross_entropy(row.data(), classes, label, gradient.data());
      long double top = row[0];
      for (const float value : row) top = std::max<long double>(top, value);
      long double sum = 0.0L;
      for (const float value : row) sum += std::exp(static_cast<long double>(value) - top);
      const long double exact = top + std::log(sum) - static_cast<long double>(row[static_cast<std::size_t>(label)]);
      CHECK(std::fabs(loss - exact) <= 1e-13L * std::max(1.0L, std::fabs(exact)));
      double gradient_sum = 0.0;
      for (const double g : gradient) gradient_sum += g;
      CHECK(std::fabs(gradient_sum) < 1e-14);
      // d(loss)/d(logit) by central differences on a float64 copy of the row's loss.
      for (std::int64_t k = 0; k < classes; ++k) {
        auto loss_at = [&](double delta) {
          long double inner = 0.0L;
          for (std::int64_t j = 0; j < classes; ++j) {
            const long double value =
                static_cast<long double>(row[static_cast<std::size_t>(j)]) + (j == k ? delta : 0.0);
            inner += std::exp(value - top);
          }
          const long double at_label =
              static_cast<long double>(row[static_cast<std::size_t>(label)]) + (label == k ? delta : 0.0);
          return static_cast<double>(top + std::log(inner) - at_label);
        };
        const double numeric = (loss_at(1e-6) - loss_at(-1e-6)) / 2e-6;
        CHECK(gradient[static_cast<std::size_t>(k)] == doctest::Approx(numeric).epsilon(1e-6).scale(1.0));
      }
    }
  }
  const float mse_row[3] = {0.5F, -1.0F, 2.0F};
  double mse_gradient[3];
  CHECK(arithmetic::squared_error(mse_row, 3, 2, mse_gradient) == 0.25 + 1.0 + 1.0);
  CHECK(mse_gradient[0] == 1.0);
  CHECK(mse_gradient[1] == -2.0);
  CHECK(mse_gradient[2] == 2.0);
  const float tied[4] = {1.0F, 3.0F, 3.0F, 0.0F};
  CHECK(arithmetic::first_arg_max(tied, 4) == 1);
}

TEST_CASE("pairwise: the centred Gram with compensated blocks, and the direct fix-up of the pairs that cancel") {
  // Rows of dimension 4096 in blocks of 1024 columns: rows 0 and 1 are 1e-6 apart (their Gram
  // distance cancels against the spread that rows 2 and 3, far from them, give the centring).
  const std::int64_t dim = 4096, count = 4, block = 1024;
  std::vector<float> rows(static_cast<std::size_t>(count * dim));
  const auto base = normal_floats(static_cast<std::size_t>(dim), 8);
  const auto step = normal_floats(static_cast<std::size_t>(dim), 9);
  const auto far_a = normal_floats(static_cast<std::size_t>(dim), 10);
  const auto far_b = normal_floats(static_cast<std::size_t>(dim), 11);
  for (std::int64_t c = 0; c < dim; ++c) {
    const auto at = static_cast<std::size_t>(c);
    rows[at] = base[at];
    rows[static_cast<std::size_t>(dim) + at] = base[at] + 1e-6F * step[at];
    rows[static_cast<std::size_t>(2 * dim) + at] = far_a[at];
    rows[static_cast<std::size_t>(3 * dim) + at] = far_b[at];
  }
  std::vector<double> gram(static_cast<std::size_t>(count * count), 0.0), carry(gram.size(), 0.0);
  for (std::int64_t begin = 0; begin < dim; begin += block) {
    std::vector<double> centre(static_cast<std::size_t>(block));
    for (std::int64_t c = 0; c < block; ++c) {
      double column = 0.0;
      for (std::int64_t r = 0; r < count; ++r) {
        column += static_cast<double>(rows[static_cast<std::size_t>(r * dim + begin + c)]);
      }
      centre[static_cast<std::size_t>(c)] = arithmetic::float_centre(column, static_cast<double>(count));
    }
    for (std::int64_t i = 0; i < count; ++i) {
      for (std::int64_t j = 0; j < count; ++j) {
        double value = 0.0;
        for (std::int64_t c = 0; c < block; ++c) {
          const double a = static_cast<double>(rows[static_cast<std::size_t>(i * dim + begin + c)]);
          const double b = static_cast<double>(rows[static_cast<std::size_t>(j * dim + begin + c)]);
          value += (a - centre[static_cast<std::size_t>(c)]) * (b - centre[static_cast<std::size_t>(c)]);
        }
        const auto at = static_cast<std::size_t>(i * count + j);
        arithmetic::compensated_add(gram[at], carry[at], value);
      }
    }
  }
  for (std::size_t at = 0; at < gram.size(); ++at) gram[at] += carry[at];
  for (std::int64_t i = 0; i < count; ++i) {
    for (std::int64_t j = i + 1; j < count; ++j) {
      long double exact = 0.0L;
      double direct = 0.0;
      for (std::int64_t c = 0; c < dim; ++c) {
        const float a = rows[static_cast<std::size_t>(i * dim + c)], b = rows[static_cast<std::size_t>(j * dim + c)];
        exact += (static_cast<long double>(a) - b) * (static_cast<long double>(a) - b);
        direct += arithmetic::squared_difference(a, b);
      }
      const auto result = arithmetic::gram_distance(gram[static_cast<std::size_t>(i * count + i)],
                                                    gram[static_cast<std::size_t>(j * count + j)],
                                                    gram[static_cast<std::size_t>(i * count + j)]);
      INFO("pair " << i << ", " << j);
      if (i == 0 && j == 1) {
        // Close against the spread: the Gram value lost its digits and is recomputed directly.
        CHECK(result.cancelled);
        CHECK(std::fabs(result.distance - exact) > 1e-6L * exact);
        CHECK(std::fabs(direct - exact) <= 1e-14L * exact);
      } else {
        CHECK_FALSE(result.cancelled);
        CHECK(std::fabs(result.distance - exact) <= 1e-12L * exact);
      }
    }
  }
  // Far rows are not recomputed: the Gram distance of orthogonal unit rows is 2.
  CHECK_FALSE(arithmetic::gram_distance(1.0, 1.0, 0.0).cancelled);
  CHECK(arithmetic::gram_distance(1.0, 1.0, 0.0).distance == 2.0);
  // Neumaier keeps what a plain sum of 1 + 1e-16·k loses.
  double sum = 1.0, carry_sum = 0.0;
  for (int k = 0; k < 1000; ++k) arithmetic::compensated_add(sum, carry_sum, 1e-16);
  CHECK(sum + carry_sum == doctest::Approx(1.0 + 1e-13).epsilon(1e-15));
}
