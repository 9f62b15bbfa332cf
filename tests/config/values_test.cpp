// How scalars read (YAML 1.1 traps, integers, reals) and how nodes convert to parameter values.
#include "config/scalar_syntax.hpp"
#include "config/value_conversion.hpp"
#include "config/yaml_reader.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace thermo::engine;
using Status = IntegerText::Status;

TEST_CASE("YAML 1.1 booleans and nulls are recognised in their usual spellings") {
  for (const char* word : {"y",  "Y",  "yes", "Yes", "YES", "n",    "N",    "no",   "No",    "NO",    "on",
                           "On", "ON", "off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE"}) {
    CHECK(is_yaml11_boolean_word(word));
  }
  for (const char* word : {"yES", "nO", "oN", "yeah", "t", "1", ""}) CHECK_FALSE(is_yaml11_boolean_word(word));
  for (const char* word : {"~", "null", "Null", "NULL"}) CHECK(is_null_word(word));
  CHECK_FALSE(is_null_word("nUll"));
}

TEST_CASE("integers: decimal only, no leading zero, 64 bits") {
  CHECK(parse_integer_text("0").value == 0);
  CHECK(parse_integer_text("-5").value == -5);
  CHECK(parse_integer_text("+7").value == 7);
  CHECK(parse_integer_text("9223372036854775807").value == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_integer_text("-9223372036854775808").value == std::numeric_limits<std::int64_t>::min());
  CHECK(parse_integer_text("9223372036854775808").status == Status::out_of_range);
  CHECK(parse_integer_text("010").status == Status::octal);
  CHECK(parse_integer_text("-00").status == Status::octal);
  CHECK(parse_integer_text("0x1F").status == Status::hexadecimal);
  for (const char* text : {"1e3", "1_000", "1.0", "", "-", "+", "eight", " 1", "0o7", "1:30"}) {
    CAPTURE(text);
    CHECK(parse_integer_text(text).status == Status::not_integer);
  }
}

TEST_CASE("reals: integers, decimals, exponents, infinities and NaN") {
  CHECK(parse_real_text("1e-3") == 1e-3);
  CHECK(parse_real_text(".5") == 0.5);
  CHECK(parse_real_text("2.") == 2.0);
  CHECK(parse_real_text("+1.5E+2") == 150.0);
  CHECK(parse_real_text("-7") == -7.0);
  CHECK(parse_real_text("0.1") == 0.1);
  CHECK(parse_real_text("-.inf") == -std::numeric_limits<double>::infinity());
  CHECK(parse_real_text(".Inf") == std::numeric_limits<double>::infinity());
  CHECK(std::isnan(parse_real_text(".NaN").value()));
  for (const char* text : {"010", "1_0", "1e", "e3", ".", "inf", "nan", "0x10", "1e999", "1.2.3", "- 1"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_real_text(text).has_value());
  }
}

TEST_CASE("reals are written in their shortest round-trip form") {
  CHECK(format_real(0.001) == "0.001");
  CHECK(format_real(1e-5) == "1e-05");
  CHECK(format_real(1.0) == "1");
  CHECK(format_real(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_real(-std::numeric_limits<double>::infinity()) == "-.inf");
  CHECK(format_real(std::numeric_limits<double>::quiet_NaN()) == ".nan");
  for (const double value : {0.1, 1e-300, 5e-324, 123456789.125, -2.5e10}) {
    CHECK(parse_real_text(format_real(value)) == value);
  }
}

TEST_CASE("texts that would not read back as strings are recognised") {
  for (const char* text : {"", "yes", "off", "~", "null", "1", "-1.5", "0x1F", "010", ".inf", "1e3", "1.2.3"}) {
    CAPTURE(text);
    CHECK(reads_as_non_string(text));
  }
  for (const char* text : {"plain", "a1", "cross_entropy", "x.yaml", "-", "yess"}) {
    CAPTURE(text);
    CHECK_FALSE(reads_as_non_string(text));
  }
}

namespace {
YamlNode parse(const std::string& text) {
  Diagnostics diagnostics;
  return parse_yaml(text, TextOrigin{"v.yaml", 0, 0}, diagnostics);
}

std::string conversion_error(const std::string& text, const thermo::ParamSpec& spec) {
  Diagnostics diagnostics;
  const auto value = convert_value(parse(text), spec, "key", ValueContext{"/pipelines"}, diagnostics);
  CHECK_FALSE(value.has_value());
  REQUIRE(diagnostics.size() == 1);
  return diagnostics.errors().front().message();
}

thermo::ParamValue converted(const std::string& text, const thermo::ParamSpec& spec,
                             const ValueContext& context = ValueContext{"/pipelines"}) {
  Diagnostics diagnostics;
  const auto value = convert_value(parse(text), spec, "key", context, diagnostics);
  CHECK(diagnostics.empty());
  REQUIRE(value.has_value());
  return *value;
}

thermo::ParamSpec spec_of(thermo::ParamType type) {
  thermo::ParamSpec spec;
  spec.name = "key";
  spec.type = type;
  return spec;
}
}  // namespace

TEST_CASE("each parameter type converts to its ParamValue alternative") {
  using thermo::ParamType;
  CHECK(std::get<bool>(converted("true", spec_of(ParamType::boolean))));
  CHECK(std::get<std::int64_t>(converted("-12", spec_of(ParamType::integer))) == -12);
  CHECK(std::get<double>(converted("3", spec_of(ParamType::real))) == 3.0);
  CHECK(std::get<std::string>(converted("'yes'", spec_of(ParamType::string))) == "yes");
  CHECK(std::get<std::string>(converted("12", spec_of(ParamType::string))) == "12");
  CHECK(std::get<std::string>(converted("data/x", spec_of(ParamType::path))) == "/pipelines/data/x");
  CHECK(std::get<std::string>(converted("/abs//x", spec_of(ParamType::path))) == "/abs//x");
  CHECK(std::get<std::string>(converted("../x", spec_of(ParamType::path), ValueContext{"/a/b"})) == "/a/x");
  auto choice = spec_of(ParamType::choice);
  choice.one_of({"fast", "exact"});
  CHECK(std::get<std::string>(converted("exact", choice)) == "exact");
  CHECK(std::get<std::vector<std::int64_t>>(converted("[1, 2]", spec_of(ParamType::integer_list))) ==
        std::vector<std::int64_t>{1, 2});
  CHECK(std::get<std::vector<double>>(converted("[1, 2.5]", spec_of(ParamType::real_list))) ==
        std::vector<double>{1.0, 2.5});
  CHECK(std::get<std::vector<std::string>>(converted("[a, '1']", spec_of(ParamType::string_list))) ==
        std::vector<std::string>{"a", "1"});
  CHECK(std::get<std::vector<std::vector<double>>>(converted("[[1], [2, 3]]", spec_of(ParamType::real_matrix))) ==
        std::vector<std::vector<double>>{{1.0}, {2.0, 3.0}});
  auto nullable = spec_of(ParamType::integer);
  nullable.allow_null();
  CHECK(std::holds_alternative<std::monostate>(converted("null", nullable)));
  CHECK(std::holds_alternative<std::monostate>(converted("~", nullable)));
}

TEST_CASE("conversion errors say what was expected and what came") {
  using thermo::ParamType;
  auto positive = spec_of(ParamType::integer);
  positive.min(1);
  CHECK(conversion_error("eight", positive) == "expected integer >= 1, got \"eight\"");
  CHECK(conversion_error("0", positive) == "expected integer >= 1, got 0");
  CHECK(conversion_error("2.5", positive) == "expected integer >= 1, got 2.5");
  CHECK(conversion_error("\"3\"", positive) == "expected integer >= 1, got \"3\" (quoted, so a string)");
  CHECK(conversion_error("[3]", positive) == "expected integer >= 1, got a list");
  CHECK(conversion_error("", positive) == "expected integer >= 1, got null");
  CHECK(conversion_error("yes", spec_of(ParamType::boolean)) == "expected boolean, got \"yes\" (write true or false)");
  CHECK(conversion_error("True", spec_of(ParamType::boolean)) ==
        "expected boolean, got \"True\" (write true or false)");
  CHECK(conversion_error("1", spec_of(ParamType::boolean)) == "expected boolean, got 1");
  CHECK(conversion_error("No", spec_of(ParamType::string)) ==
        "'No' would be read as a boolean by YAML 1.1; quote it if you mean the string");
  CHECK(conversion_error("Null", spec_of(ParamType::path)) ==
        "'Null' would be read as null by YAML 1.1; quote it if you mean the string");
  CHECK(conversion_error("\"\"", spec_of(ParamType::path)) == "expected path, got \"\"");
  auto range = spec_of(ParamType::real);
  range.min(0).max(1, true);
  CHECK(conversion_error("1", range) == "expected real in [0, 1), got 1");
  CHECK(conversion_error(".nan", range) == "expected real in [0, 1), got .nan");
  auto sized = spec_of(ParamType::real_list);
  sized.size_between(2, 3);
  CHECK(conversion_error("[1]", sized) == "expected real list of 2 to 3 elements, got a list of 1 element");
}

TEST_CASE("a schema's defaults hold every declared default and no required parameter") {
  thermo::ParamSchema schema;
  schema.add("width", thermo::ParamType::integer, "channels").def(std::int64_t{8});
  schema.add("path", thermo::ParamType::path, "where the data is");
  schema.add("name", thermo::ParamType::string, "a label").def(std::string("convnet"));
  const thermo::Params defaults = schema.defaults();
  CHECK(defaults.values().size() == 2);
  CHECK(defaults.get_int("width") == 8);
  CHECK(defaults.get_string("name") == "convnet");
  CHECK_FALSE(defaults.has("path"));
}
