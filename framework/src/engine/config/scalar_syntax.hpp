#pragma once
// How plain YAML scalars read: the YAML 1.1 words that silently become booleans or null, and the
// integer and real forms this engine accepts (no octal 010, no 0x.., no 1_000).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace thermo::engine {

// ~, null, Null, NULL.
[[nodiscard]] bool is_null_word(std::string_view text);
// y, n, yes, no, on, off, true, false in their usual case variants (YAML 1.1 booleans).
[[nodiscard]] bool is_yaml11_boolean_word(std::string_view text);

struct IntegerText {
  enum class Status { ok, not_integer, octal, hexadecimal, out_of_range };
  Status status = Status::not_integer;
  std::int64_t value = 0;
};
// [-+]?(0|[1-9][0-9]*).
[[nodiscard]] IntegerText parse_integer_text(std::string_view text);

// Integers as above, decimals with optional exponent (1e-3, .5, 2.), .inf, -.inf, .nan.
[[nodiscard]] std::optional<double> parse_real_text(std::string_view text);

// Shortest text that reads back to the same double ("0.001", "1e-05", ".inf", "-.inf", ".nan").
[[nodiscard]] std::string format_real(double value);

// Whether a plain scalar with this text would read as something other than a string (number,
// boolean, null): such strings must be quoted when written out.
[[nodiscard]] bool reads_as_non_string(std::string_view text);

}  // namespace thermo::engine
