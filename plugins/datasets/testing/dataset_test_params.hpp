#pragma once
// For the data set plugins' tests: Params as the engine would hand them to a factory — the
// schema's defaults, with some values replaced.

#include <thermo/params.hpp>

#include <map>
#include <stdexcept>
#include <string>

namespace thermo::testing {

inline Params params_with(const ParamSchema& schema, const std::map<std::string, ParamValue>& overrides) {
  std::map<std::string, ParamValue> values;
  for (const auto& spec : schema.specs()) {
    if (spec.default_value) values[spec.name] = *spec.default_value;
  }
  for (const auto& [name, value] : overrides) {
    if (schema.find(name) == nullptr) throw std::logic_error("params_with: undeclared parameter " + name);
    values[name] = value;
  }
  for (const auto& spec : schema.specs()) {
    if (values.count(spec.name) == 0) throw std::logic_error("params_with: required parameter missing: " + spec.name);
  }
  return Params(std::move(values));
}

}  // namespace thermo::testing
