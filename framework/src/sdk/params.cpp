#include <thermo/params.hpp>

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace thermo {

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::boolean: return "boolean";
    case ParamType::integer: return "integer";
    case ParamType::real: return "real";
    case ParamType::string: return "string";
    case ParamType::path: return "path";
    case ParamType::choice: return "choice";
    case ParamType::integer_list: return "integer list";
    case ParamType::real_list: return "real list";
    case ParamType::string_list: return "string list";
    case ParamType::real_matrix: return "list of real lists";
  }
  return "?";
}

namespace {
std::string number_text(double value) {
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  if (std::isnan(value)) return ".nan";
  std::string text = fmt::format("{}", value);
  return text;
}

template <class T>
std::string list_text(const std::vector<T>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text += ", ";
    if constexpr (std::is_same_v<T, std::string>) {
      text += values[i];
    } else if constexpr (std::is_same_v<T, double>) {
      text += number_text(values[i]);
    } else if constexpr (std::is_same_v<T, std::vector<double>>) {
      text += list_text(values[i]);
    } else {
      text += fmt::format("{}", values[i]);
    }
  }
  return text + "]";
}
}  // namespace

std::string to_yaml_text(const ParamValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return fmt::format("{}", v);
        } else if constexpr (std::is_same_v<T, double>) {
          return number_text(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else {
          return list_text(v);
        }
      },
      value);
}

std::string ParamSpec::describe_constraint() const {
  std::string text = to_string(type);
  if (type == ParamType::choice) {
    text = "one of ";
    for (std::size_t i = 0; i < choices.size(); ++i) text += (i ? ", " : "") + choices[i];
  }
  const bool numeric = type == ParamType::integer || type == ParamType::real ||
                       type == ParamType::integer_list || type == ParamType::real_list ||
                       type == ParamType::real_matrix;
  if (numeric && (minimum || maximum)) {
    const char* element = (type == ParamType::integer || type == ParamType::real) ? "" : " (each)";
    if (minimum && maximum) {
      text += fmt::format("{} in {}{}, {}{}", element, exclusive_minimum ? "(" : "[", number_text(*minimum),
                          number_text(*maximum), exclusive_maximum ? ")" : "]");
    } else if (minimum) {
      text += fmt::format("{} {} {}", element, exclusive_minimum ? ">" : ">=", number_text(*minimum));
    } else {
      text += fmt::format("{} {} {}", element, exclusive_maximum ? "<" : "<=", number_text(*maximum));
    }
  }
  if (min_size || max_size) {
    if (min_size && max_size && *min_size == *max_size) {
      text += fmt::format(" of exactly {} elements", *min_size);
    } else if (min_size && max_size) {
      text += fmt::format(" of {} to {} elements", *min_size, *max_size);
    } else if (min_size) {
      text += fmt::format(" of at least {} elements", *min_size);
    } else {
      text += fmt::format(" of at most {} elements", *max_size);
    }
  }
  if (nullable) text += ", or null";
  return text;
}

ParamSpec& ParamSchema::add(std::string name, ParamType type, std::string description) {
  if (find(name) != nullptr) throw std::logic_error("parameter declared twice: " + name);
  ParamSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.description = std::move(description);
  specs_.push_back(std::move(spec));
  return specs_.back();
}

const ParamSpec* ParamSchema::find(std::string_view name) const {
  for (const auto& spec : specs_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::vector<std::string> ParamSchema::names() const {
  std::vector<std::string> result;
  result.reserve(specs_.size());
  for (const auto& spec : specs_) result.push_back(spec.name);
  return result;
}

Params ParamSchema::defaults() const {
  Params result;
  for (const auto& spec : specs_) {
    if (spec.default_value) result.set(spec.name, *spec.default_value);
  }
  return result;
}

const ParamValue& Params::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("plugin asked for undeclared parameter '" + name + "'");
  return it->second;
}

bool Params::is_null(const std::string& name) const {
  return std::holds_alternative<std::monostate>(get(name));
}

namespace {
template <class T>
const T& typed(const Params& params, const std::string& name, const char* type_name) {
  const auto& value = params.get(name);
  if (const auto* typed_value = std::get_if<T>(&value)) return *typed_value;
  throw std::logic_error(fmt::format("parameter '{}' is not a {}", name, type_name));
}
}  // namespace

bool Params::get_bool(const std::string& name) const { return typed<bool>(*this, name, "boolean"); }
std::int64_t Params::get_int(const std::string& name) const { return typed<std::int64_t>(*this, name, "integer"); }

double Params::get_real(const std::string& name) const {
  const auto& value = get(name);
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return static_cast<double>(*integer);
  return typed<double>(*this, name, "real");
}

const std::string& Params::get_string(const std::string& name) const {
  return typed<std::string>(*this, name, "string");
}

std::filesystem::path Params::get_path(const std::string& name) const { return {get_string(name)}; }

const std::vector<std::int64_t>& Params::get_int_list(const std::string& name) const {
  return typed<std::vector<std::int64_t>>(*this, name, "integer list");
}

std::vector<double> Params::get_real_list(const std::string& name) const {
  const auto& value = get(name);
  if (const auto* integers = std::get_if<std::vector<std::int64_t>>(&value)) {
    return {integers->begin(), integers->end()};
  }
  return typed<std::vector<double>>(*this, name, "real list");
}

const std::vector<std::string>& Params::get_string_list(const std::string& name) const {
  return typed<std::vector<std::string>>(*this, name, "string list");
}

const std::vector<std::vector<double>>& Params::get_real_matrix(const std::string& name) const {
  return typed<std::vector<std::vector<double>>>(*this, name, "list of real lists");
}

}  // namespace thermo
