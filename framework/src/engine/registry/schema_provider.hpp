#pragma once
// What pipeline validation needs from the plugin registry: the schema of a named plugin and the
// names it could have meant. The registry implements it; tests may use a fixed table.

#include <thermo/params.hpp>
#include <thermo/plugin.hpp>

#include <string>
#include <vector>

namespace thermo::engine {

class SchemaProvider {
 public:
  virtual ~SchemaProvider() = default;
  // The plugin's schema, loading its library if needed; nullptr when no plugin of that kind has
  // that name. Throws UserError when the library exists but cannot be loaded (ABI, build id...).
  [[nodiscard]] virtual const ParamSchema* find_schema(PluginKind kind, const std::string& name) = 0;
  // Every name of that kind found on the search path (without loading the libraries).
  [[nodiscard]] virtual std::vector<std::string> names(PluginKind kind) const = 0;
};

}  // namespace thermo::engine
