// The SDK's temperature core (thermo/temperature.hpp) on tables with a known answer: families of
// Gibbs distributions whose temperature T(η) is planted, hand-computed bounds, the smoothing
// matrix, ε and range resolution.
#include <thermo/series_statistics.hpp>
#include <thermo/temperature.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace {

using thermo::TemperatureSettings;

// The paper's LR grid (docs/method.md §7): 4 + 14 + 4 values over 1e-4..1e-1, rounded to 7 digits.
std::vector<double> paper_grid() {
  std::vector<double> rates;
  auto add = [&](double from, double to, int count, bool drop_last) {
    for (int i = 0; i < count - (drop_last ? 1 : 0); ++i) {
      const double exponent = from + (to - from) * i / (count - 1);
      const double value = std::pow(10.0, exponent);
      const double scale = std::pow(10.0, std::floor(std::log10(value)) - 6);
      rates.push_back(std::round(value / scale) * scale);
    }
  };
  add(-4, -3, 5, true);
  add(-3, -2, 15, true);
  add(-2, -1, 4, false);
  return rates;
}

// A system whose state x ∈ R^d has energy |x|²/2: the Gibbs distribution at T is N(0, T·I), with
// U(T) = d·T/2 and S(T) = (d/2)·ln(2πeT). Among these distributions, the one at T minimises
// U − T·S, so the bounds of docs/method.md §7 step 4 bracket the planted T exactly when nothing is smoothed.
struct HarmonicFamily {
  double dimension = 24408.0;  // the SI dimension of ConvNet(8)
  [[nodiscard]] double energy(double t) const { return dimension * t / 2.0; }
  [[nodiscard]] double entropy(double t) const {
    return dimension / 2.0 * std::log(2.0 * std::numbers::pi * std::numbers::e * t);
  }
};

// N independent two-level units with gap Δ (a discrete density of states): per unit
// Z = 1 + e^{−Δ/T}, U = Δ·e^{−Δ/T}/Z, S = ln Z + U/T.
struct TwoLevelFamily {
  double units = 1000.0;
  double gap = 1.0;
  [[nodiscard]] double energy(double t) const {
    const double boltzmann = std::exp(-gap / t);
    return units * gap * boltzmann / (1.0 + boltzmann);
  }
  [[nodiscard]] double entropy(double t) const {
    const double boltzmann = std::exp(-gap / t);
    return units * (std::log1p(boltzmann) + gap * boltzmann / (1.0 + boltzmann) / t);
  }
};

// Plants T_i = coefficient·η_i^exponent, builds (U, S) from the family and checks that every
// interior row's bounds bracket the planted T and that T is within `tolerance` of it. Returns the
// estimate's power-law fit.
template <class Family>
thermo::PowerLawFit check_planted_temperatures(const Family& family, const std::vector<double>& rates,
                                               double coefficient, double exponent, double eps, double tolerance) {
  std::vector<double> planted;
  std::vector<double> energy;
  std::vector<double> entropy;
  for (const double rate : rates) {
    planted.push_back(coefficient * std::pow(rate, exponent));
    energy.push_back(family.energy(planted.back()));
    entropy.push_back(family.entropy(planted.back()));
  }
  // A width far below the grid's spacing: W is the identity, Ũ = U, S̃ = S.
  const auto estimate = thermo::estimate_temperature(rates, energy, entropy, TemperatureSettings{eps, 1e-6});
  for (std::size_t i = 0; i < rates.size(); ++i) {
    CHECK(estimate.smoothed_energy[i] == energy[i]);
    CHECK(estimate.smoothed_entropy[i] == entropy[i]);
  }
  for (std::size_t i = 1; i + 1 < rates.size(); ++i) {
    CAPTURE(i);
    CHECK(estimate.lower[i] <= planted[i] * (1 + 1e-12));
    CHECK(planted[i] <= estimate.upper[i] * (1 + 1e-12));
    CHECK(std::abs(estimate.temperature[i] / planted[i] - 1.0) < tolerance);
  }
  const auto fit = thermo::fit_temperature_power_law(rates, estimate.temperature);
  CHECK(fit.points_used == rates.size() - 2);
  return fit;
}

// 15 LRs per decade over 1e-3..1e-2: a uniform grid in ln η (spacing ln(10)/14).
std::vector<double> uniform_grid() {
  std::vector<double> rates;
  for (int i = 0; i < 15; ++i) rates.push_back(std::pow(10.0, -3.0 + i / 14.0));
  return rates;
}

}  // namespace

TEST_CASE("the paper grid has 22 LRs from 1e-4 to 0.1") {
  const auto rates = paper_grid();
  REQUIRE(rates.size() == 22);
  CHECK(rates[1] == doctest::Approx(0.0001778279).epsilon(1e-12));
  CHECK(rates[20] == doctest::Approx(0.04641589).epsilon(1e-12));
  CHECK(rates.back() == doctest::Approx(0.1));
}

TEST_CASE("a Gaussian Gibbs family: the bounds bracket the planted T and the power law is recovered") {
  const HarmonicFamily family;
  // On a uniform grid the bounds are the logarithmic means of the neighbours' temperatures: with
  // r = e^{k·Δℓ}, T_est/T = (r − 1)/(√r·ln r) ≈ 1 + (k·Δℓ)²/24 = 1.0019 on every row, so the
  // exponent comes back exactly and b within that factor.
  const auto fit = check_planted_temperatures(family, uniform_grid(), 2e-3, 1.3, 0.0, 2.5e-3);
  CHECK(fit.exponent == doctest::Approx(1.3).epsilon(1e-9));
  CHECK(fit.coefficient == doctest::Approx(2e-3 * 1.0019).epsilon(1e-4));
  // The paper's grid changes spacing twice (ln steps 0.58, 0.16, 0.77): the rows next to a change
  // are bracketed unevenly, still around the planted T.
  (void)check_planted_temperatures(family, paper_grid(), 2e-3, 1.3, 0.0, 0.3);
  // ε > 0 widens the bounds, so the planted T stays inside as long as every U difference exceeds
  // ε (otherwise a T_min that stays 0 is replaced by T_max, docs/method.md §7 step 4); here the U
  // differences of neighbours are >= 7e-4.
  (void)check_planted_temperatures(family, uniform_grid(), 2e-3, 1.3, 1e-4, 0.05);
}

TEST_CASE("a two-level Gibbs family (discrete density of states): bounds bracket the planted T") {
  (void)check_planted_temperatures(TwoLevelFamily{}, paper_grid(), 3.0, 0.5, 0.0, 0.15);
  const auto fit = check_planted_temperatures(TwoLevelFamily{}, uniform_grid(), 3.0, 0.5, 0.0, 0.01);
  CHECK(fit.exponent == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("bounds computed by hand on three rows") {
  // Identity smoothing. i=0: v(j=1) = (1−2−.5)/(1−2) = 1.5, v(j=2) = (1−4−.5)/(1−3) = 1.75 ->
  // T_max = 1.5, T_min stayed 0 -> 1.5. i=1: T_min = (2−1−.5)/(2−1) = .5, T_max = (2−4−.5)/(2−3) = 2.5.
  // i=2: v(j=0) = (4−1−.5)/2 = 1.25, v(j=1) = 1.5 -> T_min = 1.5, T_max stayed 2e18 -> 1.5.
  const std::vector<double> rates = {0.01, 0.02, 0.04};
  const std::vector<double> energy = {1.0, 2.0, 4.0};
  const std::vector<double> entropy = {1.0, 2.0, 3.0};
  const auto estimate = thermo::estimate_temperature(rates, energy, entropy, TemperatureSettings{0.5, 1e-3});
  CHECK(estimate.lower == std::vector<double>{1.5, 0.5, 1.5});
  CHECK(estimate.upper == std::vector<double>{1.5, 2.5, 1.5});
  CHECK(estimate.temperature[0] == doctest::Approx(1.5));
  CHECK(estimate.temperature[1] == doctest::Approx(std::sqrt(1.25)));
  CHECK(estimate.temperature[2] == doctest::Approx(1.5));
}

TEST_CASE("non-monotone entropy: a negative bound makes T NaN, as sqrt of a negative product") {
  // S falls from row 1 to row 2: for i=1, j=2: v = (2−3−0)/(3−2.5) = −2 -> T_max = −2 while
  // T_min = (2−1)/(3−1) = 0.5 > 0: T = sqrt(−1) = NaN.
  const std::vector<double> rates = {0.01, 0.02, 0.04};
  const auto estimate = thermo::estimate_temperature(
      rates, std::vector<double>{1.0, 2.0, 3.0}, std::vector<double>{1.0, 3.0, 2.5}, TemperatureSettings{0.0, 1e-3});
  CHECK(estimate.lower[1] == doctest::Approx(0.5));
  CHECK(estimate.upper[1] == doctest::Approx(-2.0));
  CHECK(std::isnan(estimate.temperature[1]));
}

TEST_CASE("the smoothing matrix: triangular weights, normalised rows, identity end rows") {
  const std::vector<double> logs = {0.0, 0.1, 0.2, 0.5};
  const auto weights = thermo::smoothing_weights(logs, 0.3);
  REQUIRE(weights.size() == 16);
  const std::vector<double> first = {weights.begin(), weights.begin() + 4};
  const std::vector<double> last = {weights.begin() + 12, weights.end()};
  CHECK(first == std::vector<double>{1.0, 0.0, 0.0, 0.0});
  CHECK(last == std::vector<double>{0.0, 0.0, 0.0, 1.0});
  // Row 1: max(0.3 − |Δℓ|, 0) = 0.2, 0.3, 0.2, 0 (|0.1 − 0.5| = 0.4), sum 0.7.
  CHECK(weights[4] == doctest::Approx(0.2 / 0.7));
  CHECK(weights[5] == doctest::Approx(0.3 / 0.7));
  CHECK(weights[6] == doctest::Approx(0.2 / 0.7));
  CHECK(weights[7] == 0.0);
  // Row 2: 0.1, 0.2, 0.3 and max(0.3 − 0.3, 0) = 0; sum 0.6.
  CHECK(weights[8] == doctest::Approx(0.1 / 0.6));
  CHECK(weights[10] == doctest::Approx(0.3 / 0.6));
  CHECK(weights[11] == 0.0);
  CHECK_THROWS_AS((void)thermo::smoothing_weights(logs, 0.0), std::invalid_argument);
  // Two rows: both are end rows.
  CHECK(thermo::smoothing_weights(std::vector<double>{0.0, 0.1}, 0.3) == std::vector<double>{1.0, 0.0, 0.0, 1.0});
}

TEST_CASE("eps widens the bounds of interior rows") {
  const auto rates = paper_grid();
  HarmonicFamily family;
  std::vector<double> energy;
  std::vector<double> entropy;
  for (const double rate : rates) {
    energy.push_back(family.energy(1e-2 * rate));
    entropy.push_back(family.entropy(1e-2 * rate));
  }
  // ε below every neighbour's U difference (>= 9e-3), so no T_min stays 0 (which would be replaced
  // by T_max).
  const auto tight = thermo::estimate_temperature(rates, energy, entropy, TemperatureSettings{0.0, 0.3});
  const auto loose = thermo::estimate_temperature(rates, energy, entropy, TemperatureSettings{1e-3, 0.3});
  for (std::size_t i = 1; i + 1 < rates.size(); ++i) {
    CAPTURE(i);
    CHECK(loose.lower[i] < tight.lower[i]);
    CHECK(loose.upper[i] > tight.upper[i]);
  }
  CHECK(loose.smoothed_energy == tight.smoothed_energy);
}

TEST_CASE("bad input to the core throws std::invalid_argument") {
  const std::vector<double> two = {1.0, 2.0};
  CHECK_THROWS_AS((void)thermo::estimate_temperature(two, two, std::vector<double>{1.0}, {}), std::invalid_argument);
  CHECK_THROWS_AS((void)thermo::estimate_temperature(std::vector<double>{0.0, 1.0}, two, two, {}),
                  std::invalid_argument);
  CHECK_THROWS_AS((void)thermo::estimate_temperature(two, two, two, TemperatureSettings{-1.0, 0.3}),
                  std::invalid_argument);
}

TEST_CASE("one row: no bound at all, T = 2e18") {
  const std::vector<double> one = {0.1};
  const auto estimate = thermo::estimate_temperature(one, one, one, {});
  CHECK(estimate.lower[0] == thermo::kTemperatureUnbounded);
  CHECK(estimate.upper[0] == thermo::kTemperatureUnbounded);
}

TEST_CASE("Python-style row ranges, never clamped") {
  auto check = [](std::int64_t first, std::int64_t last, std::size_t count, std::size_t begin, std::size_t end) {
    const auto range = thermo::resolve_row_range(first, last, count);
    REQUIRE(range.has_value());
    CHECK(range->begin == begin);
    CHECK(range->end == end);
  };
  check(1, -1, 5, 1, 4);
  check(-3, -1, 5, 2, 4);
  check(0, 5, 5, 0, 5);
  check(4, -3 + 22, 22, 4, 19);  // the reference's OP choice r1 = 4, r2 = n − 3 for n = 22 ...
  check(4, -7, 22, 4, 15);       // ... and r2 = n − 7
  CHECK_FALSE(thermo::resolve_row_range(0, 6, 5).has_value());
  CHECK_FALSE(thermo::resolve_row_range(3, 3, 5).has_value());
  CHECK_FALSE(thermo::resolve_row_range(-6, 2, 5).has_value());
  CHECK_FALSE(thermo::resolve_row_range(2, -4, 5).has_value());
}

TEST_CASE("power law: points that cannot be logged are left out") {
  const std::vector<double> x = {1.0, 2.0, 4.0, 8.0, 16.0};
  const std::vector<double> y = {3.0, 3.0 * std::pow(2.0, 0.7), -1.0, std::nan(""), 3.0 * std::pow(16.0, 0.7)};
  const auto fit = thermo::fit_power_law(x, y);
  CHECK(fit.points_used == 3);
  CHECK(fit.rows_used == std::vector<std::size_t>{0, 1, 4});
  CHECK(fit.exponent == doctest::Approx(0.7));
  CHECK(fit.coefficient == doctest::Approx(3.0));
  const auto single = thermo::fit_power_law(std::vector<double>{1.0}, std::vector<double>{2.0});
  CHECK(std::isnan(single.exponent));
  // The temperature fit skips the range's first and last rows.
  const std::vector<double> rates = {1.0, 2.0, 4.0, 8.0};
  const auto interior = thermo::fit_temperature_power_law(rates, std::vector<double>{100.0, 2.0, 4.0, -5.0});
  CHECK(interior.rows_used == std::vector<std::size_t>{1, 2});
  CHECK(interior.exponent == doctest::Approx(1.0));
  CHECK(interior.coefficient == doctest::Approx(1.0));
}

TEST_CASE("line fit and NaN-skipping window statistics") {
  const auto line = thermo::fit_line(std::vector<double>{0.0, 1.0, 2.0, 3.0}, std::vector<double>{1.0, 3.1, 4.9, 7.0});
  // Centred sums: x̄ = 1.5, ȳ = 4, Σdx·dy = 9.9, Σdx² = 5.
  CHECK(line.slope == doctest::Approx(1.98));
  CHECK(line.intercept == doctest::Approx(4.0 - 1.98 * 1.5));
  CHECK(std::isnan(thermo::fit_line(std::vector<double>{1.0, 1.0}, std::vector<double>{1.0, 2.0}).slope));
  const auto summary = thermo::nan_mean_and_deviation(std::vector<double>{1.0, std::nan(""), 3.0, 5.0});
  CHECK(summary.count == 3);
  CHECK(summary.mean == doctest::Approx(3.0));
  CHECK(summary.deviation == doctest::Approx(std::sqrt(8.0 / 3.0)));  // ddof = 0
  const auto empty = thermo::nan_mean_and_deviation(std::vector<double>{std::nan("")});
  CHECK(empty.count == 0);
  CHECK(std::isnan(empty.mean));
  CHECK(std::isnan(empty.deviation));
}

TEST_CASE("free-energy curves and their argmin") {
  const auto curve =
      thermo::free_energy_curve(std::vector<double>{1.0, 2.0, 4.0}, std::vector<double>{1.0, 3.0, 4.0}, 1.0);
  CHECK(curve == std::vector<double>{0.0, -1.0, 0.0});
  CHECK(thermo::argmin_ignoring_nan(curve) == 1);
  CHECK(thermo::argmin_ignoring_nan(std::vector<double>{std::nan(""), 2.0, 1.0, 1.0}) == 2);
  CHECK_FALSE(thermo::argmin_ignoring_nan(std::vector<double>{std::nan("")}).has_value());
}

TEST_CASE("temperature along training: centred finite differences") {
  // U_t = t², S_t = t: T_t = ((t+2)² − (t−2)²) / 4 = 2t for t in [2, n − 2).
  std::vector<double> energy;
  std::vector<double> entropy;
  for (int t = 0; t < 10; ++t) {
    energy.push_back(t * t);
    entropy.push_back(t);
  }
  const auto temperature = thermo::finite_difference_temperature(energy, entropy, 2);
  REQUIRE(temperature.size() == 6);
  for (std::size_t k = 0; k < temperature.size(); ++k) CHECK(temperature[k] == doctest::Approx(2.0 * (k + 2)));
  CHECK(thermo::finite_difference_temperature(std::vector<double>(4, 1.0), std::vector<double>(4, 1.0), 2).empty());
  CHECK_THROWS_AS((void)thermo::finite_difference_temperature(energy, entropy, 0), std::invalid_argument);
}
