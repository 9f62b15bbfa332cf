// The SDK's uniform-sphere sampler and reference entropy (thermo/uniform_sphere.hpp): the Wishart
// and direct samplers against exact moments and each other, and the entropy against a large-D
// closed form and an exact (quadrature) expectation. Seeds are fixed; tolerances are derived below.
#include <thermo/knn_entropy.hpp>
#include <thermo/rng.hpp>
#include <thermo/uniform_sphere.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

namespace {
using thermo::UniformSphereMethod;

// Expected order statistics by quadrature. For n i.i.d. draws of density f, the m-th largest has
// density n!/((m−1)!(n−m)!)·F^{n−m}·(1−F)^{m−1}·f. Returns E[t_(m)], E[t_(m)²] and E[g(t_(m))] for
// m = 1..largest, with f given by its logarithm (up to a constant) on [low, high].
struct OrderMoments {
  std::vector<double> mean, mean_square, mean_g;
};

OrderMoments order_statistic_moments(std::int64_t n, std::int64_t largest,
                                     const std::function<double(double)>& log_density, double low, double high,
                                     const std::function<double(double)>& g) {
  const int points = 60001;
  const double step = (high - low) / (points - 1);
  std::vector<double> t(points), f(points), below(points), above(points);
  double peak = -INFINITY;
  for (int j = 0; j < points; ++j) {
    t[j] = low + step * j;
    f[j] = log_density(t[j]);
    peak = std::max(peak, f[j]);
  }
  for (auto& value : f) value = std::exp(value - peak);
  // Cumulative trapezoid from the left (F) and from the right (1 − F, kept accurate in the tail).
  below[0] = 0.0;
  for (int j = 1; j < points; ++j) below[j] = below[j - 1] + 0.5 * step * (f[j] + f[j - 1]);
  above[points - 1] = 0.0;
  for (int j = points - 2; j >= 0; --j) above[j] = above[j + 1] + 0.5 * step * (f[j] + f[j + 1]);
  const double total = below[points - 1];
  OrderMoments moments;
  for (std::int64_t m = 1; m <= largest; ++m) {
    const double log_coefficient = std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(m)) -
                                   std::lgamma(static_cast<double>(n - m) + 1);
    double weight_sum = 0.0, t_sum = 0.0, t2_sum = 0.0, g_sum = 0.0;
    for (int j = 0; j < points; ++j) {
      const double lower = below[j] / total, upper = above[j] / total;
      if ((lower <= 0.0 && n - m > 0) || (upper <= 0.0 && m - 1 > 0) || f[j] <= 0.0) continue;
      double log_weight = log_coefficient + std::log(f[j] / total);
      if (n - m > 0) log_weight += static_cast<double>(n - m) * std::log(lower);
      if (m - 1 > 0) log_weight += static_cast<double>(m - 1) * std::log(upper);
      const double weight = std::exp(log_weight) * ((j == 0 || j == points - 1) ? 0.5 : 1.0) * step;
      weight_sum += weight;
      t_sum += weight * t[j];
      t2_sum += weight * t[j] * t[j];
      g_sum += weight * g(t[j]);
    }
    moments.mean.push_back(t_sum / weight_sum);
    moments.mean_square.push_back(t2_sum / weight_sum);
    moments.mean_g.push_back(g_sum / weight_sum);
  }
  return moments;
}

std::vector<double> sampled_cosines(const std::vector<double>& cosines, std::int64_t count) {
  std::vector<double> off_diagonal;
  const auto n = static_cast<std::size_t>(count);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) off_diagonal.push_back(cosines[i * n + j]);
  }
  return off_diagonal;
}
}  // namespace

TEST_CASE("Wishart Gram: diagonal ~ χ²_D (mean D), symmetric; D < N is refused") {
  // Bartlett: G_ii = Σ_{m<i} L_im² + L_ii² ~ χ²_D, independent over i (no shared entries), so the
  // mean of N·R diagonal entries has standard error sqrt(2D/(N·R)) = 0.16 here; an off-by-one in
  // the χ² degrees of freedom (mean D − 1) would be 6 standard errors away.
  thermo::Rng rng(31, "wishart diagonal");
  const std::int64_t n = 200, dimension = 250, repeats = 100;
  double sum = 0.0;
  bool symmetric = true;
  for (int r = 0; r < repeats; ++r) {
    const auto gram = thermo::gaussian_gram_wishart(n, dimension, rng);
    for (std::int64_t i = 0; i < n; ++i) sum += gram[static_cast<std::size_t>(i * n + i)];
    symmetric = symmetric && gram[5 * 200 + 17] == gram[17 * 200 + 5];
  }
  CHECK(symmetric);
  const double mean = sum / static_cast<double>(n * repeats);
  CHECK(std::abs(mean - 250.0) < 4.0 * std::sqrt(2.0 * 250.0 / static_cast<double>(n * repeats)));
  CHECK_THROWS_AS((void)thermo::gaussian_gram_wishart(20, 5, rng), std::invalid_argument);
  // uniform_sphere_cosines falls back to the direct sampler there.
  const auto cosines = thermo::uniform_sphere_cosines(20, 5, UniformSphereMethod::wishart, rng);
  bool unit_diagonal = true, bounded = true;
  for (std::size_t i = 0; i < 20; ++i) unit_diagonal = unit_diagonal && cosines[i * 20 + i] == 1.0;
  for (double value : cosines) bounded = bounded && std::abs(value) <= 1.0 + 1e-15;
  CHECK(unit_diagonal);
  CHECK(bounded);
}

TEST_CASE("both samplers give uniform cosines: E[c] = 0, E[c²] = 1/D, E[c⁴] = 3/(D(D+2))") {
  // For x_i, x_j independent uniform on S^{D−1}, c = x_i·x_j has the law of one coordinate of a
  // uniform point: E c = 0, E c² = 1/D, E c⁴ = 3/(D(D+2)). The cosines of one Gram are pairwise
  // independent (given x_i, c_ij and c_ik are independent and their law does not depend on x_i), so
  // the variance of a mean over P pairs is exactly Var/P. We check within 5 standard errors.
  // D >= N so that `wishart` really uses the Bartlett factor.
  const std::int64_t n = 100, dimension = 150, repeats = 20;
  const double dim = static_cast<double>(dimension);
  const double second = 1.0 / dim, fourth = 3.0 / (dim * (dim + 2.0));
  for (auto method : {UniformSphereMethod::wishart, UniformSphereMethod::direct}) {
    CAPTURE(thermo::to_string(method));
    thermo::Rng rng(7, thermo::to_string(method));
    std::vector<double> all;
    for (int r = 0; r < repeats; ++r) {
      const auto cosines = thermo::uniform_sphere_cosines(n, dimension, method, rng);
      const auto pairs = sampled_cosines(cosines, n);
      all.insert(all.end(), pairs.begin(), pairs.end());
    }
    const double pairs = static_cast<double>(all.size());
    double m1 = 0.0, m2 = 0.0, m4 = 0.0;
    for (double c : all) {
      m1 += c;
      m2 += c * c;
      m4 += c * c * c * c;
    }
    m1 /= pairs;
    m2 /= pairs;
    m4 /= pairs;
    CHECK(std::abs(m1) < 5.0 * std::sqrt(second / pairs));
    CHECK(std::abs(m2 - second) < 5.0 * std::sqrt((fourth - second * second) / pairs));
    // Var(c⁴) needs E c⁸ = 105/(D(D+2)(D+4)(D+6)).
    const double eighth = 105.0 / (dim * (dim + 2) * (dim + 4) * (dim + 6));
    CHECK(std::abs(m4 - fourth) < 5.0 * std::sqrt((eighth - fourth * fourth) / pairs));
  }
}

TEST_CASE("Wishart and direct entropies agree, and match the exact expectation (D = 150, N = 100)") {
  // Exact expectation: given x_i, the N − 1 cosines of row i are i.i.d. with density
  // ∝ (1 − c²)^{(D−3)/2}; the k smallest distances of the row are sqrt(2 − 2c) of the k largest
  // cosines (the self-distance is 0). By linearity, E[s_k] = N·Σ_{m=1..k} E[sqrt(2 − 2c_(m))] —
  // exact for any D, rows being dependent does not matter for an expectation. S_k is a concave
  // function of s_k: E[S_k] = d·ln E[s_k] − (d − 1)·ln N − δ with 0 <= δ ≈ Var(S_k)/(2d), which is
  // below 0.01 here and added to the tolerance.
  const std::int64_t n = 100, dimension = 150, repeats = 12;
  const std::vector<std::int64_t> ks{1, 5, 20, 50};
  const double d = static_cast<double>(dimension - 1);
  const double root = std::sqrt(static_cast<double>(dimension));
  const auto exact = order_statistic_moments(
      n - 1, 50,
      [&](double t) {
        return 0.5 * (static_cast<double>(dimension) - 3.0) * std::log1p(-t * t / static_cast<double>(dimension));
      },
      -root * (1 - 1e-12), root * (1 - 1e-12), [&](double t) { return std::sqrt(2.0 - 2.0 * t / root); });

  thermo::Rng wishart_rng(17, "entropy wishart"), direct_rng(17, "entropy direct");
  const auto wishart =
      thermo::uniform_sphere_entropy(n, dimension, ks, repeats, UniformSphereMethod::wishart, wishart_rng);
  const auto direct =
      thermo::uniform_sphere_entropy(n, dimension, ks, repeats, UniformSphereMethod::direct, direct_rng);
  const double r = static_cast<double>(repeats);
  for (std::size_t q = 0; q < ks.size(); ++q) {
    CAPTURE(ks[q]);
    const double combined =
        std::sqrt((wishart.std_dev[q] * wishart.std_dev[q] + direct.std_dev[q] * direct.std_dev[q]) / r);
    CHECK(std::abs(wishart.mean[q] - direct.mean[q]) < 5.0 * combined);

    double expected_sum = 0.0;
    for (std::int64_t m = 0; m < ks[q]; ++m) expected_sum += exact.mean_g[static_cast<std::size_t>(m)];
    expected_sum *= static_cast<double>(n);
    const double expected = d * std::log(expected_sum) - (d - 1.0) * std::log(static_cast<double>(n));
    for (const auto* reference : {&wishart, &direct}) {
      const double jensen = reference->std_dev[q] * reference->std_dev[q] / (2.0 * d);
      CHECK(std::abs(reference->mean[q] - expected) < 5.0 * reference->std_dev[q] / std::sqrt(r) + jensen + 1e-6);
    }
  }
}

TEST_CASE("uniform entropy at large D matches the closed form (D = 1e4, N = 1000)") {
  // Derivation. Let ε = 1/√D and t = c·√D for the cosine c of two independent uniform points: t has
  // mean 0, variance 1 and is N(0, 1) up to O(1/D) (its log-density is −t²/2 + (3t²/2 − t⁴/4)/D + ...).
  // Row i's k + 1 smallest distances are 0 (itself) and r_m = √2·sqrt(1 − ε·t_(m)), m = 1..k, with
  // t_(m) the m-th largest of the row's N − 1 values. With sqrt(1 − u) = 1 − u/2 − u²/8 + O(u³):
  //   s_k = √2·N·k·(1 − ε·A/2 − ε²·B/8 + O(ε³)),  A, B = means of t_(m), t_(m)² over rows and m,
  // and A → μ_k = (1/k)·Σ_m E[t_(m:N−1)], B → ν_k likewise (Gaussian order statistics, computed by
  // quadrature). Then ln(1 − a) = −a − a²/2 + O(a³) gives
  //   S_k = d·ln s_k − (d − 1)·ln N ≈ d·ln(√2·k) + ln N − d·(ε·μ_k/2 + ε²·(ν_k + μ_k²)/8).
  // When k + 1 > N the whole row counts: k → N − 1, μ = 0, ν = 1 (the mean and variance of t).
  // Neglected: d·O(ε³) terms (≈ (t³/16 + μ³/24 + μν/16)/√D ≲ 5/√D for t ≲ 3.3) and the non-Gaussian
  // shift of the top order statistics (δt ≈ t³/(4D), entering as √D·δt/2 ≈ 4/√D): together well under
  // 20/√D = 0.2. Sampling noise: S_k fluctuates by sd_k between repeats (≈ 0.9 for k = 1, 0.07 for
  // k = 50); the mean of R repeats is compared within 20/√D + 6·sd_k/√R.
  const std::int64_t n = 1000, dimension = 10000, repeats = 4;
  const std::vector<std::int64_t> ks{1, 10, 50, 1000};
  const double d = static_cast<double>(dimension - 1), epsilon = 1.0 / std::sqrt(static_cast<double>(dimension));
  const auto gaussian = order_statistic_moments(
      n - 1, 50, [](double t) { return -0.5 * t * t; }, -12.0, 12.0, [](double) { return 0.0; });
  thermo::Rng rng(2024, "uniform large D");
  const auto reference = thermo::uniform_sphere_entropy(n, dimension, ks, repeats, UniformSphereMethod::wishart, rng);
  for (std::size_t q = 0; q < ks.size(); ++q) {
    CAPTURE(ks[q]);
    const std::int64_t k = std::min(ks[q], n - 1);
    double mu = 0.0, nu = 1.0;
    if (k < n - 1) {
      mu = 0.0;
      nu = 0.0;
      for (std::int64_t m = 0; m < k; ++m) {
        mu += gaussian.mean[static_cast<std::size_t>(m)];
        nu += gaussian.mean_square[static_cast<std::size_t>(m)];
      }
      mu /= static_cast<double>(k);
      nu /= static_cast<double>(k);
    }
    const double predicted = d * std::log(std::sqrt(2.0) * static_cast<double>(k)) + std::log(static_cast<double>(n)) -
                             d * (epsilon * mu / 2.0 + epsilon * epsilon * (nu + mu * mu) / 8.0);
    const double tolerance = 20.0 * epsilon + 6.0 * reference.std_dev[q] / std::sqrt(static_cast<double>(repeats));
    CAPTURE(predicted);
    CAPTURE(reference.mean[q]);
    CHECK(std::abs(reference.mean[q] - predicted) < tolerance);
  }
}

TEST_CASE("cosines to squared distances, method names, bad arguments") {
  std::vector<double> cosines{1.0, 0.5, 0.5, 1.0};
  thermo::cosines_to_squared_distances(cosines, 2);
  CHECK(cosines == std::vector<double>{0.0, 1.0, 1.0, 0.0});
  CHECK(thermo::parse_uniform_sphere_method("direct") == UniformSphereMethod::direct);
  CHECK(thermo::parse_uniform_sphere_method("wishart") == UniformSphereMethod::wishart);
  CHECK_THROWS_AS((void)thermo::parse_uniform_sphere_method("bartlett"), std::invalid_argument);
  thermo::Rng rng(1);
  const std::vector<std::int64_t> ks{1};
  CHECK_THROWS_AS((void)thermo::uniform_sphere_entropy(10, 1, ks, 1, UniformSphereMethod::wishart, rng),
                  std::invalid_argument);
  CHECK_THROWS_AS((void)thermo::uniform_sphere_entropy(10, 3, ks, 0, UniformSphereMethod::wishart, rng),
                  std::invalid_argument);
}
