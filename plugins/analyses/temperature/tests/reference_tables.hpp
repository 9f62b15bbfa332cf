#pragma once
// The tables of reference_temperature.py and the values it printed (run once with /usr/bin/python3;
// numpy float64, the notebook's procedure implemented literally: Python's min/max in the bounds
// loop, T = exp((log T_min + log T_max) / 2)). Shared by the core's reference test and the
// plugin's test.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace thermo::reference {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct ReferenceTable {
  std::vector<double> rates, energy, entropy;
  double eps = 0.0;
  double width = 0.0;
  std::int64_t first = 0, last = 0;  // the range, as given to the script
  std::vector<double> expected_smoothed_energy, expected_smoothed_entropy, expected_lower, expected_upper,
      expected_temperature;
  double expected_b = 0.0, expected_k = 0.0;
  std::size_t expected_points_used = 0;
  std::vector<int> expected_argmins;  // of the interior rows' free-energy curves; -1: all NaN
};

// Equal NaN and infinities, finite values within a relative 1e-9 (summation order may differ from
// numpy's matmul by a few ulps, and the bounds divide differences).
inline void check_close(const std::vector<double>& actual, const std::vector<double>& expected,
                        const std::string& what) {
  CAPTURE(what);
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CAPTURE(actual[i]);
    CAPTURE(expected[i]);
    if (std::isnan(expected[i]) || std::isinf(expected[i])) {
      CHECK((std::isnan(expected[i]) ? std::isnan(actual[i]) : actual[i] == expected[i]));
    } else {
      CHECK(std::abs(actual[i] - expected[i]) <= 1e-9 * std::abs(expected[i]) + 1e-300);
    }
  }
}

inline ReferenceTable grid_table() {
  ReferenceTable table;
  table.rates = {0.001,       0.001178769, 0.001389495, 0.001637894, 0.001930698, 0.002275846,
                 0.002682696, 0.003162278, 0.003727594, 0.004393971, 0.005179475};
  table.energy = {0.081, 0.094, 0.118, 0.131, 0.169, 0.224, 0.297, 0.412, 0.583, 0.806, 1.137};
  table.entropy = {-9.1e6, -8.2e6, -8.45e6, -6.9e6, -5.4e6, -5.55e6, -3.2e6, -1.1e6, 0.7e6, 2.4e6, 3.9e6};
  table.eps = 1e-2;
  table.width = 0.3;
  table.first = 1;
  table.last = -1;
  table.expected_smoothed_energy = {0.094,
                                    0.11538932777288999,
                                    0.13693327597864574,
                                    0.17303462094072583,
                                    0.22827192790566087,
                                    0.3069678708676711,
                                    0.4252905095952054,
                                    0.5953411530548645,
                                    0.806};
  table.expected_smoothed_entropy = {-8200000.0,         -8022806.819455309, -6911864.970043175,
                                     -5791594.930924749, -4956674.609714393, -3259332.5028790454,
                                     -1171198.856118144, 676266.7995008554,  2400000.0};
  table.expected_lower = {3.6968291623348984e-08, 6.427633240669443e-08, 2.556663332084803e-08,
                          2.8664040707750576e-08, 5.418158573426025e-08, 4.8941708629540366e-08,
                          5.2431844528527707e-08, 8.663254062280987e-08, 1.1640945761619631e-07};
  table.expected_upper = {3.6968291623348984e-08, 2.839387878172701e-08,  4.1151993137617626e-08,
                          5.6760477761737514e-08, 5.225578426695702e-08,  6.145326901206135e-08,
                          9.745818165119421e-08,  1.2801218128260163e-07, 1.1640945761619631e-07};
  table.expected_temperature = {3.696829162334904e-08, 4.272065531905703e-08,  3.243636722833679e-08,
                                4.033589772341516e-08, 5.320997326978421e-08,  5.4841845212584355e-08,
                                7.148365007726196e-08, 1.0530916624482178e-07, 1.164094576161963e-07};
  table.expected_b = 2.309961253186864e-05;
  table.expected_k = 0.9976266562675173;
  table.expected_points_used = 7;
  table.expected_argmins = {3, 0, 3, 5, 5, 6, 7};
  return table;
}

inline ReferenceTable zero_over_zero_table() {
  ReferenceTable table;
  table.rates = {0.001, 0.002, 0.004, 0.008};
  table.energy = {0.75, 0.6, 0.55, 0.5};
  table.entropy = {2.0, 3.0, 3.5, 2.0};
  table.eps = 0.25;
  table.width = 5.0;
  table.first = 0;
  table.last = 4;
  table.expected_smoothed_energy = {0.75, 0.6040235132799945, 0.5919529734400111, 0.5};
  table.expected_smoothed_entropy = {2.0, 2.6652351327999444, 2.6853526991999166, 2.0};
  table.expected_lower = {0.1341688353272079, -0.2194359250173651, -0.23060684920989388, 0.5321780161999647};
  table.expected_upper = {0.1341688353272079, -0.2194359250173651, -0.23060684920989388, 0.5321780161999647};
  // T_min stayed 0 at rows 1 and 2 and took the negative T_max: the notebook's formula gives NaN
  // (sqrt(T_min·T_max) would give 0.219 and 0.231), so no interior row is left for the power law.
  table.expected_temperature = {0.13416883532720794, kNaN, kNaN, 0.5321780161999647};
  table.expected_b = kNaN;
  table.expected_k = kNaN;
  table.expected_points_used = 0;
  table.expected_argmins = {-1, -1};
  return table;
}

inline ReferenceTable infinite_table() {
  ReferenceTable table;
  table.rates = {0.01, 0.02, 0.04};
  table.energy = {0.2, 0.3, 0.5};
  table.entropy = {1.0, 4.0, 1.0};
  table.eps = 0.04;
  table.width = 0.3;
  table.first = 0;
  table.last = 3;
  table.expected_smoothed_energy = {0.2, 0.3, 0.5};
  table.expected_smoothed_entropy = {1.0, 4.0, 1.0};
  table.expected_lower = {-kInf, 0.019999999999999993, kInf};
  table.expected_upper = {-kInf, -0.08, kInf};
  table.expected_temperature = {kNaN, kNaN, kInf};  // ln(−inf) is NaN
  table.expected_b = kNaN;
  table.expected_k = kNaN;
  table.expected_points_used = 0;
  table.expected_argmins = {-1};
  return table;
}

// Negative bounds at row 3 (T_max < 0): T is NaN there and the power law uses the 5 finite interior
// rows.
inline ReferenceTable negative_bounds_table() {
  ReferenceTable table;
  table.rates = {0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128};
  table.energy = {0.1, 0.2, 0.35, 0.5, 0.62, 0.9, 1.2, 1.6};
  table.entropy = {1.0, 2.0, 3.0, 4.5, 4.2, 6.0, 7.5, 9.0};
  table.eps = 0.01;
  table.width = 0.3;
  table.first = 0;
  table.last = 8;
  table.expected_smoothed_energy = table.energy;  // width 0.3 < ln 2: W is the identity
  table.expected_smoothed_entropy = table.entropy;
  table.expected_lower = {0.11, 0.09000000000000001, 0.13999999999999996, 0.11599999999999999, 0.21666666666666665,
                          0.26, 0.22999999999999998, 0.26000000000000006};
  table.expected_upper = {0.11,
                          0.124,
                          0.10666666666666669,
                          -0.4333333333333336,
                          0.16111111111111115,
                          0.20666666666666664,
                          0.27333333333333343,
                          0.26000000000000006};
  table.expected_temperature = {0.11000000000000001, 0.10564090116995403, 0.12220201853215577, kNaN,
                                0.1868352413422249,  0.23180451534284946, 0.25073226092121986, 0.2600000000000001};
  table.expected_b = 0.5480420905828266;
  table.expected_k = 0.2658643013076715;
  table.expected_points_used = 5;
  table.expected_argmins = {1, 3, -1, 3, 3, 6};
  return table;
}

}  // namespace thermo::reference
