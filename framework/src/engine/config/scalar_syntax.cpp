#include "config/scalar_syntax.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace thermo::engine {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

std::string_view without_sign(std::string_view text) {
  return !text.empty() && (text.front() == '-' || text.front() == '+') ? text.substr(1) : text;
}

// [0-9]+(\.[0-9]*)?|\.[0-9]+, then optionally [eE][-+]?[0-9]+.
bool is_decimal(std::string_view text) {
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    if (!all_digits(text.substr(i))) return false;
    return true;
  }
  return i == text.size();
}

}  // namespace

bool is_null_word(std::string_view text) {
  return text == "~" || text == "null" || text == "Null" || text == "NULL";
}

bool is_yaml11_boolean_word(std::string_view text) {
  static constexpr std::array<std::string_view, 22> kWords = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
      "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
  for (const auto word : kWords) {
    if (text == word) return true;
  }
  return false;
}

IntegerText parse_integer_text(std::string_view text) {
  IntegerText result;
  const std::string_view digits = without_sign(text);
  if (digits.size() > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    result.status = IntegerText::Status::hexadecimal;
    return result;
  }
  if (!all_digits(digits)) return result;
  if (digits.size() > 1 && digits[0] == '0') {
    result.status = IntegerText::Status::octal;
    return result;
  }
  // from_chars takes a '-' but no '+'.
  const std::string_view parsed = text.front() == '+' ? text.substr(1) : text;
  const auto [end, error] = std::from_chars(parsed.data(), parsed.data() + parsed.size(), result.value);
  if (error == std::errc::result_out_of_range) {
    result.status = IntegerText::Status::out_of_range;
    return result;
  }
  result.status = (error == std::errc() && end == parsed.data() + parsed.size()) ? IntegerText::Status::ok
                                                                                 : IntegerText::Status::not_integer;
  return result;
}

std::optional<double> parse_real_text(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string_view unsigned_text = without_sign(text);
  if (unsigned_text == ".inf" || unsigned_text == ".Inf" || unsigned_text == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  if (!is_decimal(unsigned_text)) return std::nullopt;
  // A bare integer with a leading zero is octal in YAML 1.1.
  if (all_digits(unsigned_text) && unsigned_text.size() > 1 && unsigned_text[0] == '0') return std::nullopt;
  double value = 0.0;
  const auto [end, error] = std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), value);
  if (error != std::errc() || end != unsigned_text.data() + unsigned_text.size()) return std::nullopt;
  return negative ? -value : value;
}

std::string format_real(double value) {
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  if (std::isnan(value)) return ".nan";
  return fmt::format("{}", value);
}

bool reads_as_non_string(std::string_view text) {
  if (text.empty() || is_null_word(text) || is_yaml11_boolean_word(text)) return true;
  if (parse_integer_text(text).status != IntegerText::Status::not_integer) return true;
  if (parse_real_text(text)) return true;
  // Forms YAML 1.1 reads as numbers that this engine refuses: keep them strings by quoting.
  const std::string_view digits = without_sign(text);
  return !digits.empty() && (is_digit(digits.front()) || digits.front() == '.');
}

}  // namespace thermo::engine
