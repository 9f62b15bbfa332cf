#pragma once
// Plugin parameters: a plugin declares a schema (name, type, default, range, description); the
// engine validates the YAML against it and hands the plugin typed values. Plugins never see YAML.

#include <boost/config.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace thermo {

enum class ParamType {
  boolean,
  integer,
  real,
  string,
  path,          // a string; relative paths are resolved against the pipeline file's folder
  choice,        // a string from a fixed list
  integer_list,
  real_list,
  string_list,
  real_matrix,   // a list of lists of reals, e.g. explicit vectors
};

[[nodiscard]] const char* to_string(ParamType type);

// A value of any parameter type; std::monostate is YAML's null.
using ParamValue = std::variant<std::monostate, bool, std::int64_t, double, std::string,
                                std::vector<std::int64_t>, std::vector<double>,
                                std::vector<std::string>, std::vector<std::vector<double>>>;

// Renders a value as YAML flow text (for `thermo plugins describe` and messages).
[[nodiscard]] std::string to_yaml_text(const ParamValue& value);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::string;
  std::string description;
  std::optional<ParamValue> default_value;  // absent: the parameter is required
  bool nullable = false;                    // null is an accepted value
  std::optional<double> minimum;            // for numbers and every element of numeric lists
  std::optional<double> maximum;
  bool exclusive_minimum = false;
  bool exclusive_maximum = false;
  std::vector<std::string> choices;         // for ParamType::choice
  std::optional<std::size_t> min_size;      // for lists
  std::optional<std::size_t> max_size;

  // Fluent set-up: schema.add("channels", ParamType::integer, "width c").def(8).min(1)
  ParamSpec& def(ParamValue value) { default_value = std::move(value); return *this; }
  ParamSpec& min(double value, bool exclusive = false) { minimum = value; exclusive_minimum = exclusive; return *this; }
  ParamSpec& max(double value, bool exclusive = false) { maximum = value; exclusive_maximum = exclusive; return *this; }
  ParamSpec& allow_null() { nullable = true; return *this; }
  ParamSpec& one_of(std::vector<std::string> values) { choices = std::move(values); return *this; }
  ParamSpec& size_between(std::size_t lo, std::size_t hi) { min_size = lo; max_size = hi; return *this; }

  [[nodiscard]] bool required() const { return !default_value.has_value(); }
  // "integer >= 1", "real in (0, inf)", "one of cpu, cuda, auto": used in messages and docs.
  [[nodiscard]] std::string describe_constraint() const;
};

class Params;

class BOOST_SYMBOL_VISIBLE ParamSchema {
 public:
  ParamSpec& add(std::string name, ParamType type, std::string description);
  [[nodiscard]] const std::vector<ParamSpec>& specs() const { return specs_; }
  [[nodiscard]] const ParamSpec* find(std::string_view name) const;
  [[nodiscard]] std::vector<std::string> names() const;
  // The declared defaults, each under its name; required parameters are absent.
  [[nodiscard]] Params defaults() const;

 private:
  std::vector<ParamSpec> specs_;
};

// Validated values, every declared parameter present (defaults filled in). Getters throw
// std::logic_error on a name or type the schema does not declare: that is a plugin bug.
class BOOST_SYMBOL_VISIBLE Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }
  [[nodiscard]] bool is_null(const std::string& name) const;
  [[nodiscard]] bool get_bool(const std::string& name) const;
  [[nodiscard]] std::int64_t get_int(const std::string& name) const;
  [[nodiscard]] double get_real(const std::string& name) const;  // integers convert
  [[nodiscard]] const std::string& get_string(const std::string& name) const;  // also path, choice
  [[nodiscard]] std::filesystem::path get_path(const std::string& name) const;
  [[nodiscard]] const std::vector<std::int64_t>& get_int_list(const std::string& name) const;
  [[nodiscard]] std::vector<double> get_real_list(const std::string& name) const;  // integers convert
  [[nodiscard]] const std::vector<std::string>& get_string_list(const std::string& name) const;
  [[nodiscard]] const std::vector<std::vector<double>>& get_real_matrix(const std::string& name) const;
  [[nodiscard]] const ParamValue& get(const std::string& name) const;
  [[nodiscard]] const std::map<std::string, ParamValue>& values() const { return values_; }

  void set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }

 private:
  std::map<std::string, ParamValue> values_;
};

}  // namespace thermo
