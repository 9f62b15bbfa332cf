#pragma once
// Value generators of a sweep axis beyond util/numpy_spaces.hpp (linspace, logspace): geomspace
// and rounding to significant digits, computed exactly as NumPy and Python compute them. Equal to
// NumPy bit for bit where NumPy calls libm's pow and log10 (its AVX-512 SVML kernels differ by an ulp).

#include <cstdint>
#include <vector>

namespace thermo::engine {

// numpy.geomspace(start, stop, num, endpoint): start and stop nonzero and of one sign; the ends
// are set to start and stop exactly.
[[nodiscard]] std::vector<double> geomspace(double start, double stop, std::int64_t num, bool endpoint = true);

// float(f"{value:.{digits}g}") in Python: `value` rounded to `digits` significant decimal digits.
[[nodiscard]] double round_significant(double value, int digits);

}  // namespace thermo::engine
