// The SDK's gradient noise statistics (thermo/gradient_statistics.hpp) on planted gradients whose
// statistics are worked out by hand.
#include <thermo/gradient_statistics.hpp>
#include <thermo/rng.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

TEST_CASE("gradient noise statistics of planted gradients") {
  // g = (3, 4), ‖g‖ = 5. Deviations e_i = g_i − g: (1, 0), (0, −2), (−2, 0) with norms 1, 2, 2.
  const std::vector<double> full{3.0, 4.0};
  const std::vector<std::vector<double>> samples{{4.0, 4.0}, {3.0, 2.0}, {1.0, 4.0}};
  const auto statistics = thermo::gradient_noise_statistics(full, samples);
  CHECK(statistics.samples == 3);
  CHECK(statistics.full_grad_norm == doctest::Approx(5.0).epsilon(1e-15));
  CHECK(statistics.stoch_grad_rms == doctest::Approx(std::sqrt(3.0)).epsilon(1e-15));  // sqrt((1 + 4 + 4) / 3)
  CHECK(statistics.snr == doctest::Approx(5.0 / std::sqrt(3.0)).epsilon(1e-15));
  CHECK(statistics.noise_mean_norm == doctest::Approx(5.0 / 3.0).epsilon(1e-15));  // (1 + 2 + 2) / 3
  CHECK(statistics.snr_old == doctest::Approx(3.0).epsilon(1e-15));
  // ‖g_i‖² = 32, 13, 17.
  CHECK(statistics.stoch_grad_mean_norm ==
        doctest::Approx((std::sqrt(32.0) + std::sqrt(13.0) + std::sqrt(17.0)) / 3.0).epsilon(1e-15));
  CHECK(statistics.stoch_grad_mean_norm_squared == doctest::Approx(62.0 / 3.0).epsilon(1e-15));

  // The accumulator fed with the same norms gives the same numbers.
  thermo::GradientNoiseAccumulator accumulator(25.0);
  accumulator.add(32.0, 1.0);
  accumulator.add(13.0, 4.0);
  accumulator.add(17.0, 4.0);
  const auto accumulated = accumulator.result();
  CHECK(accumulated.snr == statistics.snr);
  CHECK(accumulated.snr_old == statistics.snr_old);
  CHECK(accumulated.stoch_grad_mean_norm == statistics.stoch_grad_mean_norm);
}

TEST_CASE("two samples with g = their mean: snr = ‖g1 + g2‖ / ‖g1 − g2‖ (the toy's OP SNR, docs/method.md §8)") {
  // With ḡ = (g1 + g2)/2, g_i − ḡ = ±(g1 − g2)/2, so stoch_grad_rms = ‖g1 − g2‖/2 and
  // snr = (‖g1 + g2‖/2) / (‖g1 − g2‖/2) = ‖g1 + g2‖ / ‖g1 − g2‖; both deviations have the same norm,
  // so snr_old equals snr as well.
  thermo::Rng rng(4, "op snr");
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> g1(3), g2(3), mean(3), sum(3), difference(3);
    for (std::size_t j = 0; j < 3; ++j) {
      g1[j] = rng.normal();
      g2[j] = rng.normal();
      mean[j] = (g1[j] + g2[j]) / 2;
      sum[j] = g1[j] + g2[j];
      difference[j] = g1[j] - g2[j];
    }
    const auto norm = [](const std::vector<double>& v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); };
    const std::vector<std::vector<double>> samples{g1, g2};
    const auto statistics = thermo::gradient_noise_statistics(mean, samples);
    CHECK(statistics.snr == doctest::Approx(norm(sum) / norm(difference)).epsilon(1e-13));
    CHECK(statistics.snr_old == doctest::Approx(statistics.snr).epsilon(1e-13));
  }
}

TEST_CASE("gradient noise statistics: IEEE ratios at zero noise, NaN without samples") {
  const std::vector<double> full{1.0, 0.0};
  const std::vector<std::vector<double>> same{{1.0, 0.0}, {1.0, 0.0}};
  const auto no_noise = thermo::gradient_noise_statistics(full, same);
  CHECK(no_noise.stoch_grad_rms == 0.0);
  CHECK(std::isinf(no_noise.snr));
  CHECK(std::isinf(no_noise.snr_old));
  CHECK(no_noise.stoch_grad_mean_norm == 1.0);

  const std::vector<double> zero{0.0, 0.0};
  const std::vector<std::vector<double>> zeros{{0.0, 0.0}};
  CHECK(std::isnan(thermo::gradient_noise_statistics(zero, zeros).snr));

  const auto empty = thermo::GradientNoiseAccumulator(4.0).result();
  CHECK(empty.full_grad_norm == 2.0);
  CHECK(std::isnan(empty.stoch_grad_rms));
  CHECK(std::isnan(empty.stoch_grad_mean_norm));
}

TEST_CASE("small noise on a large gradient is measured from the differences, without cancellation") {
  // ‖g‖ = 1e8 and deviations 1e-4: ‖g_i‖² − 2·g_i·g + ‖g‖² would lose every digit of 1e-8.
  const std::vector<double> full{1e8, 0.0};
  const std::vector<std::vector<double>> samples{{1e8, 1e-4}, {1e8, -1e-4}};
  const auto statistics = thermo::gradient_noise_statistics(full, samples);
  CHECK(statistics.stoch_grad_rms == doctest::Approx(1e-4).epsilon(1e-12));
  CHECK(statistics.snr == doctest::Approx(1e12).epsilon(1e-12));
}
