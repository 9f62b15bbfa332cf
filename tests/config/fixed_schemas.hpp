#pragma once
// A SchemaProvider with a fixed table of plugin schemas, shaped like the real plugins, so that
// the configuration tests need no plugin libraries.

#include "registry/schema_provider.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace thermo::testing {

class FixedSchemas final : public engine::SchemaProvider {
 public:
  FixedSchemas();
  [[nodiscard]] const ParamSchema* find_schema(PluginKind kind, const std::string& name) override;
  [[nodiscard]] std::vector<std::string> names(PluginKind kind) const override;

 private:
  std::map<std::pair<PluginKind, std::string>, ParamSchema> schemas_;
};

}  // namespace thermo::testing
