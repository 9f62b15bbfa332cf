#pragma once
// The numerical core of docs/method.md §7 (steps 2–7): from the stationary values (η_i, U_i, S_i) of a sweep
// to smoothed values, temperature bounds and temperatures, the power-law fit T ≈ b·η^k, free-energy
// curves, and the temperature along training. Pure functions on doubles, shared by the analysis
// plugins, the CLI's table mode and reports. They follow the reference literally, IEEE semantics
// included (see estimate_temperature).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace thermo {

// The start value of T_max and the marker of "no upper bound was found" (docs/method.md §7 step 4).
inline constexpr double kTemperatureUnbounded = 2e18;

// A half-open range [begin, end) of table rows.
struct RowRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  [[nodiscard]] std::size_t size() const { return end - begin; }
};

// Resolves Python-style bounds [first, last) against `count` rows: a negative bound counts from
// the end (count + bound). Unlike a Python slice nothing is clamped: the result is empty (nullopt)
// unless 0 <= begin < end <= count.
[[nodiscard]] std::optional<RowRange> resolve_row_range(std::int64_t first, std::int64_t last, std::size_t count);

struct TemperatureSettings {
  double eps = 1e-2;             // ε of step 4, >= 0
  double smoothing_width = 0.3;  // w of step 3 (in ln η), > 0
};

// Every per-row quantity of steps 3–4, in the input's row order.
struct TemperatureEstimate {
  std::vector<double> smoothed_energy;   // Ũ = W·U
  std::vector<double> smoothed_entropy;  // S̃ = W·S
  std::vector<double> lower;             // T_min
  std::vector<double> upper;             // T_max
  std::vector<double> temperature;       // T = exp((ln T_min + ln T_max)/2), the notebook's formula
};

// Step 3's matrix W, row-major n×n: W_ij = max(w − |ℓ_i − ℓ_j|, 0) with ℓ = ln η, each row divided
// by its sum, then the first and the last rows replaced by identity rows. Throws
// std::invalid_argument when w <= 0.
[[nodiscard]] std::vector<double> smoothing_weights(std::span<const double> log_learning_rates, double width);

// Steps 3–4 on rows in ascending LR order (the plugin sorts them). For each i, over all j ≠ i,
// v = (Ũ_i − Ũ_j − ε)/(S̃_i − S̃_j); j > i: T_max = min(T_max, v); j < i: T_min = max(T_min, v);
// starting from T_min = 0, T_max = 2e18; a T_min still equal to 0 becomes T_max, then a T_max still
// equal to 2e18 becomes T_min; T = exp((ln T_min + ln T_max)/2), as the reference notebooks
// compute it (not sqrt(T_min·T_max), which would turn two negative bounds into |T|).
// IEEE semantics, as numpy float64 scalars with Python's min/max would give: S̃_i = S̃_j makes v
// ±inf (or NaN for 0/0); min/max keep the running value unless the candidate compares smaller
// (larger), so a NaN candidate is ignored while ±inf take part; a negative bound makes T NaN
// (ln of a negative number), a zero bound makes T 0 (or NaN against an infinite one). Throws
// std::invalid_argument when the spans differ in length, a learning rate is not finite and > 0,
// ε < 0 or w <= 0.
[[nodiscard]] TemperatureEstimate estimate_temperature(std::span<const double> learning_rates,
                                                       std::span<const double> energy, std::span<const double> entropy,
                                                       const TemperatureSettings& settings);

struct PowerLawFit {
  double coefficient = 0.0;  // b
  double exponent = 0.0;     // k
  std::size_t points_used = 0;
  std::vector<std::size_t> rows_used;  // indices into the input spans
};

// y ≈ b·x^k by least squares of ln y on ln x, over the pairs where x and y are both finite and > 0
// (the others cannot be logged and are left out). b and k are NaN with fewer than two such pairs.
[[nodiscard]] PowerLawFit fit_power_law(std::span<const double> x, std::span<const double> y);

// Why T_i is not a finite positive number (the notebook's formula gives NaN for a negative bound),
// for the analysis log: "T_min = -0.3 < 0", "T_max = 0", "T_min is NaN"; "" when T_i is finite and > 0.
[[nodiscard]] std::string temperature_problem(double lower, double upper, double temperature);

// Step 5: the power law of T on η over the rows of the range without its first and last rows.
[[nodiscard]] PowerLawFit fit_temperature_power_law(std::span<const double> learning_rates,
                                                    std::span<const double> temperature);

// Step 6: F(η') = Ũ(η') − T·S̃(η') for every row η' of the range.
[[nodiscard]] std::vector<double> free_energy_curve(std::span<const double> smoothed_energy,
                                                    std::span<const double> smoothed_entropy, double temperature);

// The index of the smallest value that is not NaN (the first one on ties); nullopt when all are NaN.
[[nodiscard]] std::optional<std::size_t> argmin_ignoring_nan(std::span<const double> values);

// Step 7: T_t = (U_{t+o} − U_{t−o}) / (S_{t+o} − S_{t−o}) for t in [o, n − o), n = the series'
// length and o = offset >= 1: n − 2o values, none when n <= 2o. Throws std::invalid_argument when
// the spans differ in length or offset is 0.
[[nodiscard]] std::vector<double> finite_difference_temperature(std::span<const double> energy,
                                                                std::span<const double> entropy, std::size_t offset);

}  // namespace thermo
