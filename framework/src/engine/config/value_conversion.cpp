#include "config/value_conversion.hpp"

#include "config/scalar_syntax.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace thermo::engine {

namespace {

bool is_string_type(ParamType type) {
  return type == ParamType::string || type == ParamType::path || type == ParamType::choice;
}

ParamType element_type(ParamType type) {
  switch (type) {
    case ParamType::integer_list:
      return ParamType::integer;
    case ParamType::real_list:
      return ParamType::real;
    case ParamType::string_list:
      return ParamType::string;
    case ParamType::real_matrix:
      return ParamType::real_list;
    default:
      return type;
  }
}

// What the message says it got: numbers as written, everything else quoted or named.
std::string got_text(const YamlNode& node, const ParamSpec& spec) {
  if (node.is_scalar() && node.plain && parse_real_text(node.text)) return node.text;
  std::string text = describe_node(node);
  if (node.is_scalar() && !node.plain && !is_string_type(spec.type) && reads_as_non_string(node.text)) {
    text += " (quoted, so a string)";
  }
  return text;
}

bool in_range(double value, const ParamSpec& spec) {
  if (spec.minimum && (spec.exclusive_minimum ? !(value > *spec.minimum) : !(value >= *spec.minimum))) return false;
  if (spec.maximum && (spec.exclusive_maximum ? !(value < *spec.maximum) : !(value <= *spec.maximum))) return false;
  return true;
}

std::string resolve_path(const std::string& text, const SourceLocation& where, const ValueContext& context) {
  const std::filesystem::path path(text);
  if (path.is_absolute()) return text;
  const std::filesystem::path base = (where.file == context.command_line_origin || context.pipeline_folder.empty())
                                         ? std::filesystem::current_path()
                                         : context.pipeline_folder;
  return (base / path).lexically_normal().string();
}

class Converter {
 public:
  Converter(const ValueContext& context, Diagnostics& diagnostics) : context_(context), diagnostics_(diagnostics) {}

  std::optional<ParamValue> convert(const YamlNode& node, const ParamSpec& spec, const std::string& key_path) {
    if (node.invalid) return std::nullopt;
    if (node.is_null()) {
      if (spec.nullable) return ParamValue{std::monostate{}};
      if (is_string_type(spec.type) && !node.text.empty()) {
        return fail(node, key_path,
                    fmt::format("'{}' would be read as null by YAML 1.1; quote it if you mean the string", node.text));
      }
      return expected(node, spec, key_path);
    }
    switch (spec.type) {
      case ParamType::boolean:
        return convert_boolean(node, spec, key_path);
      case ParamType::integer:
        return convert_integer(node, spec, key_path);
      case ParamType::real:
        return convert_real(node, spec, key_path);
      case ParamType::string:
      case ParamType::path:
      case ParamType::choice:
        return convert_string(node, spec, key_path);
      case ParamType::integer_list:
      case ParamType::real_list:
      case ParamType::string_list:
      case ParamType::real_matrix:
        return convert_list(node, spec, key_path);
    }
    return std::nullopt;
  }

 private:
  std::optional<ParamValue> fail(const YamlNode& node, const std::string& key_path, const std::string& message) {
    diagnostics_.error(node.location, key_path, message);
    return std::nullopt;
  }

  std::optional<ParamValue> expected(const YamlNode& node, const ParamSpec& spec, const std::string& key_path,
                                     const std::string& hint = "") {
    return fail(node, key_path,
                fmt::format("expected {}, got {}{}", spec.describe_constraint(), got_text(node, spec), hint));
  }

  std::optional<ParamValue> convert_boolean(const YamlNode& node, const ParamSpec& spec, const std::string& key_path) {
    if (node.is_scalar() && node.plain && (node.text == "true" || node.text == "false")) {
      return ParamValue{node.text == "true"};
    }
    const bool word = node.is_scalar() && node.plain && is_yaml11_boolean_word(node.text);
    return expected(node, spec, key_path, word ? " (write true or false)" : "");
  }

  std::optional<ParamValue> convert_integer(const YamlNode& node, const ParamSpec& spec, const std::string& key_path) {
    if (!node.is_scalar() || !node.plain) return expected(node, spec, key_path);
    const IntegerText parsed = parse_integer_text(node.text);
    switch (parsed.status) {
      case IntegerText::Status::ok:
        if (!in_range(static_cast<double>(parsed.value), spec)) return expected(node, spec, key_path);
        return ParamValue{parsed.value};
      case IntegerText::Status::octal:
        return expected(node, spec, key_path, " (YAML 1.1 reads a leading zero as octal; write it without the zero)");
      case IntegerText::Status::hexadecimal:
        return expected(node, spec, key_path, " (hexadecimal is not accepted; write it in decimal)");
      case IntegerText::Status::out_of_range:
        return expected(node, spec, key_path, " (too large for 64 bits)");
      case IntegerText::Status::not_integer:
        break;
    }
    return expected(node, spec, key_path);
  }

  std::optional<ParamValue> convert_real(const YamlNode& node, const ParamSpec& spec, const std::string& key_path) {
    if (!node.is_scalar() || !node.plain) return expected(node, spec, key_path);
    const auto value = parse_real_text(node.text);
    if (!value) {
      if (parse_integer_text(node.text).status == IntegerText::Status::octal) {
        return expected(node, spec, key_path, " (YAML 1.1 reads a leading zero as octal; write it without the zero)");
      }
      return expected(node, spec, key_path);
    }
    if (!in_range(*value, spec)) return expected(node, spec, key_path);
    return ParamValue{*value};
  }

  std::optional<ParamValue> convert_string(const YamlNode& node, const ParamSpec& spec, const std::string& key_path) {
    if (!node.is_scalar()) return expected(node, spec, key_path);
    if (node.plain && !node.from_environment && is_yaml11_boolean_word(node.text)) {
      return fail(
          node, key_path,
          fmt::format("'{}' would be read as a boolean by YAML 1.1; quote it if you mean the string", node.text));
    }
    if (spec.type == ParamType::choice) {
      if (std::find(spec.choices.begin(), spec.choices.end(), node.text) == spec.choices.end()) {
        return expected(node, spec, key_path, did_you_mean(node.text, spec.choices));
      }
      return ParamValue{node.text};
    }
    if (spec.type == ParamType::path) {
      if (node.text.empty()) return expected(node, spec, key_path);
      return ParamValue{resolve_path(node.text, node.location, context_)};
    }
    return ParamValue{node.text};
  }

  std::optional<ParamValue> convert_list(const YamlNode& node, const ParamSpec& spec, const std::string& key_path) {
    if (!node.is_sequence()) return expected(node, spec, key_path);
    ParamSpec element;
    element.name = spec.name;
    element.type = element_type(spec.type);
    element.minimum = spec.minimum;
    element.maximum = spec.maximum;
    element.exclusive_minimum = spec.exclusive_minimum;
    element.exclusive_maximum = spec.exclusive_maximum;
    bool ok = true;
    std::vector<ParamValue> values;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      auto value = convert(node.children[i], element, child_path(key_path, std::to_string(i)));
      if (value) {
        values.push_back(std::move(*value));
      } else {
        ok = false;
      }
    }
    const std::size_t size = node.children.size();
    if ((spec.min_size && size < *spec.min_size) || (spec.max_size && size > *spec.max_size)) {
      return fail(node, key_path,
                  fmt::format("expected {}, got a list of {} element{}", spec.describe_constraint(), size,
                              size == 1 ? "" : "s"));
    }
    if (!ok) return std::nullopt;
    return collect(spec.type, values);
  }

  static ParamValue collect(ParamType type, const std::vector<ParamValue>& values) {
    switch (type) {
      case ParamType::integer_list:
        return gather<std::int64_t>(values);
      case ParamType::real_list:
        return gather<double>(values);
      case ParamType::string_list:
        return gather<std::string>(values);
      default:
        return gather<std::vector<double>>(values);
    }
  }

  template <class T>
  static ParamValue gather(const std::vector<ParamValue>& values) {
    std::vector<T> result;
    result.reserve(values.size());
    for (const auto& value : values) result.push_back(std::get<T>(value));
    return ParamValue{std::move(result)};
  }

  const ValueContext& context_;
  Diagnostics& diagnostics_;
};

}  // namespace

std::optional<ParamValue> convert_value(const YamlNode& node, const ParamSpec& spec, const std::string& key_path,
                                        const ValueContext& context, Diagnostics& diagnostics) {
  return Converter(context, diagnostics).convert(node, spec, key_path);
}

ParamValue default_value(const ParamSpec& spec, const ValueContext& context) {
  ParamValue value = spec.default_value.value();
  if (spec.type == ParamType::path) {
    if (const auto* text = std::get_if<std::string>(&value); text != nullptr && !text->empty()) {
      value = resolve_path(*text, SourceLocation{}, context);
    }
  }
  return value;
}

nlohmann::ordered_json to_json(const ParamValue& value) {
  return std::visit(
      [](const auto& typed) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else {
          return typed;
        }
      },
      value);
}

}  // namespace thermo::engine
