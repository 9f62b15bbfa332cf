#include "config/resolved_document.hpp"

#include "config/environment_expansion.hpp"
#include "config/scalar_syntax.hpp"

#include <fmt/format.h>
#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>

#include <algorithm>

namespace thermo::engine {

namespace {

using Json = nlohmann::ordered_json;

bool is_scalar(const Json& value) {
  return !value.is_array() && !value.is_object();
}

void emit_string(YAML::Emitter& out, const std::string& text) {
  const std::string escaped = escape_variables(text);
  if (reads_as_non_string(escaped)) {
    out << YAML::DoubleQuoted << escaped;
  } else {
    out << escaped;
  }
}

void emit(YAML::Emitter& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      out << YAML::Null;
      break;
    case Json::value_t::boolean:
      out << value.get<bool>();
      break;
    case Json::value_t::number_integer:
      out << fmt::format("{}", value.get<std::int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out << fmt::format("{}", value.get<std::uint64_t>());
      break;
    case Json::value_t::number_float:
      out << format_real(value.get<double>());
      break;
    case Json::value_t::string:
      emit_string(out, value.get<std::string>());
      break;
    case Json::value_t::array: {
      const bool flow = std::all_of(value.begin(), value.end(), [](const Json& element) {
        return is_scalar(element) || (element.is_array() && std::all_of(element.begin(), element.end(), is_scalar));
      });
      // Lists of scalars on one line; lists of lists of scalars one row per line.
      const bool rows = !value.empty() && value.front().is_array();
      out << ((flow && !rows) || value.empty() ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
      for (const auto& element : value) {
        if (element.is_array()) out << YAML::Flow;
        emit(out, element);
      }
      out << YAML::EndSeq;
      break;
    }
    case Json::value_t::object: {
      out << (value.empty() ? YAML::Flow : YAML::Block) << YAML::BeginMap;
      for (const auto& item : value.items()) {
        out << YAML::Key;
        emit_string(out, item.key());
        out << YAML::Value;
        emit(out, item.value());
      }
      out << YAML::EndMap;
      break;
    }
    default:
      out << YAML::Null;
      break;
  }
}

}  // namespace

std::string to_block_yaml(const Json& document) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out.SetBoolFormat(YAML::TrueFalseBool);
  out.SetIndent(2);
  emit(out, document);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

nlohmann::json to_plain_json(const Json& document) {
  switch (document.type()) {
    case Json::value_t::array: {
      nlohmann::json result = nlohmann::json::array();
      for (const auto& element : document) result.push_back(to_plain_json(element));
      return result;
    }
    case Json::value_t::object: {
      nlohmann::json result = nlohmann::json::object();
      for (const auto& item : document.items()) result[item.key()] = to_plain_json(item.value());
      return result;
    }
    case Json::value_t::null:
      return nullptr;
    case Json::value_t::boolean:
      return document.get<bool>();
    case Json::value_t::number_integer:
      return document.get<std::int64_t>();
    case Json::value_t::number_unsigned:
      return document.get<std::uint64_t>();
    case Json::value_t::number_float:
      return document.get<double>();
    case Json::value_t::string:
      return document.get<std::string>();
    default:
      return nullptr;
  }
}

}  // namespace thermo::engine
