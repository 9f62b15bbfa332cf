// The temperature core against an independent float64 reference: reference_temperature.py (in this
// folder) implements the notebook's procedure (docs/method.md) literally with numpy; it was run once with
// /usr/bin/python3 and its printed values are pasted below. The inputs here are the same as the script's TABLES.
#include "reference_tables.hpp"

#include <thermo/temperature.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

using thermo::reference::check_close;
using thermo::reference::ReferenceTable;

void check_against_reference(const ReferenceTable& table) {
  const auto range = thermo::resolve_row_range(table.first, table.last, table.rates.size());
  REQUIRE(range.has_value());
  const auto slice = [&](const std::vector<double>& values) {
    return std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(range->begin),
                               values.begin() + static_cast<std::ptrdiff_t>(range->end));
  };
  const auto rates = slice(table.rates);
  const auto estimate = thermo::estimate_temperature(rates, slice(table.energy), slice(table.entropy),
                                                     thermo::TemperatureSettings{table.eps, table.width});
  check_close(estimate.smoothed_energy, table.expected_smoothed_energy, "U_smooth");
  check_close(estimate.smoothed_entropy, table.expected_smoothed_entropy, "S_smooth");
  check_close(estimate.lower, table.expected_lower, "T_min");
  check_close(estimate.upper, table.expected_upper, "T_max");
  check_close(estimate.temperature, table.expected_temperature, "T");

  const auto fit = thermo::fit_temperature_power_law(rates, estimate.temperature);
  CHECK(fit.points_used == table.expected_points_used);
  check_close({fit.coefficient, fit.exponent}, {table.expected_b, table.expected_k}, "fit b, k");

  for (std::size_t i = 1; i + 1 < rates.size(); ++i) {
    CAPTURE(i);
    const auto curve =
        thermo::free_energy_curve(estimate.smoothed_energy, estimate.smoothed_entropy, estimate.temperature[i]);
    const auto argmin = thermo::argmin_ignoring_nan(curve);
    const int expected = table.expected_argmins[i - 1];
    if (expected < 0) {
      CHECK_FALSE(argmin.has_value());
    } else {
      REQUIRE(argmin.has_value());
      CHECK(*argmin == static_cast<std::size_t>(expected));
    }
  }
}

}  // namespace

TEST_CASE("reference: 11 LRs of the paper grid, non-monotone S, range [1, -1)") {
  check_against_reference(thermo::reference::grid_table());
}

TEST_CASE("reference: S_0 = S_3 with a zero numerator (0/0 = NaN never becomes a bound; negative T is NaN)") {
  check_against_reference(thermo::reference::zero_over_zero_table());
}

TEST_CASE("reference: S_0 = S_2 with non-zero numerators (±inf bounds)") {
  check_against_reference(thermo::reference::infinite_table());
}

TEST_CASE("reference: a negative bound gives T = NaN, and the power law is fitted on the finite rows") {
  check_against_reference(thermo::reference::negative_bounds_table());
}

TEST_CASE("temperature_problem names the bound that makes T undefined") {
  CHECK(thermo::temperature_problem(0.1, 0.2, 0.14).empty());
  CHECK(thermo::temperature_problem(0.1, -0.4, std::nan("")) == "T_max = -0.4 < 0");
  CHECK(thermo::temperature_problem(-0.2, -0.2, std::nan("")) == "T_min = -0.2 < 0, T_max = -0.2 < 0");
  CHECK(thermo::temperature_problem(0.0, 0.0, 0.0) == "T_min = 0, T_max = 0");
  CHECK(thermo::temperature_problem(std::nan(""), 0.3, std::nan("")) == "T_min is NaN");
}
