// ${VAR} and ${VAR:-default} expansion, $${ escapes, and expansion inside a loaded pipeline.
#include "config/environment_expansion.hpp"
#include "config_test_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <random>

using thermo::engine::expand_variables;

namespace {
thermo::engine::VariableLookup table(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}
}  // namespace

TEST_CASE("variables expand, defaults apply when unset or empty, $${ is a literal") {
  const auto lookup = table({{"DATA", "/data"}, {"EMPTY", ""}, {"N", "8"}});
  CHECK(expand_variables("${DATA}/cifar", lookup).text == "/data/cifar");
  CHECK(expand_variables("${MISSING:-/tmp}/x", lookup).text == "/tmp/x");
  CHECK(expand_variables("${EMPTY:-fallback}", lookup).text == "fallback");
  CHECK(expand_variables("${EMPTY}", lookup).text.empty());
  CHECK(expand_variables("${N:-}", lookup).text == "8");
  CHECK(expand_variables("${MISSING:-}", lookup).text.empty());
  CHECK(expand_variables("$${DATA} costs $5 and $$", lookup).text == "${DATA} costs $5 and $$");
  CHECK(expand_variables("${N}${N}", lookup).text == "88");
}

TEST_CASE("an unset variable without a default, and malformed references, are errors") {
  const auto lookup = table({});
  CHECK(expand_variables("${DATA}", lookup).error ==
        "environment variable 'DATA' is not set (set it, or write ${DATA:-default} to give a default)");
  CHECK(expand_variables("${DATA", lookup).error == "unterminated '${' (write $${ for a literal ${)");
  CHECK(expand_variables("${1X}", lookup).error ==
        "'${1X}' is not ${NAME} or ${NAME:-default} (write $${ for a literal ${)");
  CHECK(expand_variables("${A-b}", lookup).error.find("is not ${NAME}") != std::string::npos);
}

TEST_CASE("escaping then expanding gives the text back") {
  std::mt19937 generator(5);
  const std::string alphabet = "${}a:-";
  const auto lookup = table({});
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const auto length = generator() % 12;
    for (std::uint32_t i = 0; i < length; ++i) text += alphabet[generator() % alphabet.size()];
    CAPTURE(text);
    const auto expansion = expand_variables(thermo::engine::escape_variables(text), lookup);
    CHECK(expansion.error.empty());
    CHECK(expansion.text == text);
  }
}

TEST_CASE("an expanded plain scalar keeps its type; a quoted one stays a string") {
  ::setenv("THERMO_TEST_CHANNELS", "24", 1);
  ::setenv("THERMO_TEST_WORD", "yes", 1);
  const auto pipeline = thermo::testing::load_text(
      "thermo: 1\nname: ${THERMO_TEST_UNSET:-expanded}\ndescription: ${THERMO_TEST_WORD}\n"
      "model:\n  plugin: convnet\n  channels: ${THERMO_TEST_CHANNELS}\n");
  CHECK(pipeline.name == "expanded");
  CHECK(pipeline.description == "yes");  // from the environment: not a YAML 1.1 boolean
  CHECK(pipeline.model->params.get_int("channels") == 24);
  // In a flow map ${...} must be quoted; the expansion still reads as an integer.
  const auto quoted = thermo::testing::load_text(
      "thermo: 1\nname: x\nmodel: {plugin: convnet, channels: \"${THERMO_TEST_CHANNELS}\"}\n");
  CHECK(quoted.model->params.get_int("channels") == 24);
  CHECK(thermo::testing::text_errors("thermo: 1\nname: x\nmodel: {plugin: convnet, channels: \"24\"}\n") ==
        "pipeline.yaml:3:36: error: model.channels: expected integer >= 1, got \"24\" (quoted, so a string)\n");
  ::unsetenv("THERMO_TEST_CHANNELS");
  ::unsetenv("THERMO_TEST_WORD");
}
