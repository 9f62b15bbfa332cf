#include "config/plugin_section.hpp"

#include "config/scalar_syntax.hpp"
#include "config/schema_section.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

namespace thermo::engine {

std::string kind_with_article(PluginKind kind) {
  const std::string noun = to_string(kind);
  const bool vowel = std::string_view("aeiou").find(noun.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + noun;
}

std::string unknown_plugin_message(PluginKind kind, const std::string& name, const std::vector<std::string>& known) {
  return fmt::format("unknown {} plugin '{}'{}; known: {}", to_string(kind), name, did_you_mean(name, known),
                     known.empty() ? "none" : join(known, ", "));
}

std::optional<PluginSection> validate_plugin_section(const YamlNode& node, PluginKind kind, const std::string& key_path,
                                                     SchemaProvider& schemas, const ValueContext& context,
                                                     Diagnostics& diagnostics, nlohmann::ordered_json& resolved) {
  if (node.invalid) return std::nullopt;
  if (!node.is_map()) {
    const std::string example = node.is_scalar() ? node.text : "<name>";
    diagnostics.error(node.location, key_path,
                      fmt::format("expected {} section {{plugin: {}, <parameters>...}}, got {}",
                                  kind_with_article(kind), example, describe_node(node)));
    return std::nullopt;
  }
  const YamlNode* name_node = node.find("plugin");
  if (name_node == nullptr) {
    diagnostics.error(node.location, key_path,
                      fmt::format("missing required key 'plugin' (the name of {} plugin)", kind_with_article(kind)));
    return std::nullopt;
  }
  if (name_node->invalid) return std::nullopt;
  const std::string plugin_path = child_path(key_path, "plugin");
  if (!name_node->is_scalar() ||
      (name_node->plain && !name_node->from_environment && is_yaml11_boolean_word(name_node->text))) {
    diagnostics.error(
        name_node->location, plugin_path,
        fmt::format("expected the name of {} plugin, got {}", kind_with_article(kind), describe_node(*name_node)));
    return std::nullopt;
  }
  const std::string& name = name_node->text;
  const ParamSchema* schema = nullptr;
  try {
    schema = schemas.find_schema(kind, name);
  } catch (const UserError& error) {
    if (error.location().file.empty()) {
      diagnostics.error(name_node->location, key_path, error.message().empty() ? error.what() : error.message());
    } else {
      diagnostics.add(error);
    }
    return std::nullopt;
  }
  if (schema == nullptr) {
    diagnostics.error(name_node->location, key_path, unknown_plugin_message(kind, name, schemas.names(kind)));
    return std::nullopt;
  }
  SectionValues values = validate_section(node, *schema, key_path, {"plugin"}, context, diagnostics);
  resolved = nlohmann::ordered_json::object();
  resolved["plugin"] = name;
  for (const auto& item : values.resolved.items()) resolved[item.key()] = item.value();
  if (!values.ok) return std::nullopt;
  return PluginSection{name, std::move(values.params), node.location, key_path};
}

}  // namespace thermo::engine
