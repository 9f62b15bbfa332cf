// Pathological inputs give errors, not crashes: deep nesting, huge files, node and alias bombs,
// files that are missing or not files.
#include "config/yaml_reader.hpp"
#include "config_test_support.hpp"

#include <doctest/doctest.h>

using thermo::engine::Diagnostics;
using thermo::engine::parse_yaml;
using thermo::engine::TextOrigin;
using thermo::engine::YamlNode;
using thermo::testing::load_errors;
using thermo::testing::write_pipeline;

namespace {
std::string parse_error(const std::string& text) {
  Diagnostics diagnostics;
  try {
    (void)parse_yaml(text, TextOrigin{"t.yaml", 0, 0}, diagnostics);
  } catch (const thermo::UserErrors& errors) {
    REQUIRE(errors.errors().size() == 1);
    return thermo::format_error(errors.errors().front());
  }
  return {};
}
}  // namespace

TEST_CASE("nesting is limited to 64 levels") {
  CHECK(parse_error(std::string(64, '[') + std::string(64, ']')).empty());
  CHECK(parse_error(std::string(65, '[') + std::string(65, ']')) ==
        "t.yaml:1:65: error: the document nests deeper than 64 levels");
  // yaml-cpp reads each unclosed '[' as a map whose key is a list: two levels per bracket.
  const auto deep = write_pipeline(std::string(100000, '[') + "\n");
  CHECK(load_errors(deep) == "pipeline.yaml:1:33: error: the document nests deeper than 64 levels\n");
}

TEST_CASE("files over 1 MiB and documents over 100000 nodes are refused") {
  const auto huge = write_pipeline(std::string(10 << 20, '#'));
  CHECK(load_errors(huge) ==
        "pipeline.yaml: error: the file is larger than 1048576 bytes; a pipeline is a short YAML file\n");
  std::string many = "thermo: 1\nname: many\nlist:\n";
  for (int i = 0; i < 120000; ++i) many += "- 1\n";
  CHECK(load_errors(write_pipeline(many)) ==
        "pipeline.yaml:99997:3: error: the document has more than 100000 nodes; a pipeline is a short file\n");
#ifdef __linux__
  CHECK(load_errors("/dev/zero").find("larger than 1048576 bytes") != std::string::npos);
#endif
}

TEST_CASE("aliases expand within the limits and are refused past them") {
  Diagnostics diagnostics;
  const YamlNode root = parse_yaml("a: &x [1, {b: 2}]\nc: *x\n", TextOrigin{"t.yaml", 0, 0}, diagnostics);
  const YamlNode* copy = root.find("c");
  REQUIRE(copy != nullptr);
  CHECK(copy->children.size() == 2);
  CHECK(copy->children[1].find("b")->text == "2");
  CHECK(copy->location.line == 2);
  CHECK(copy->location.column == 4);

  // Ten aliases of 10^4 nodes each fit the limit only until the budget is spent.
  std::string bomb = "a: &a [" + std::string("1, 1, 1, 1, 1, 1, 1, 1, 1, 1") + "]\n";
  bomb += "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
  bomb += "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
  bomb += "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
  CHECK(parse_error(bomb).empty());
  bomb += "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
  CHECK(parse_error(bomb) ==
        "t.yaml:5:33: error: this alias would expand the document to more than 100000 nodes; write the values out "
        "instead of nesting aliases");
  CHECK(parse_error("a: &a [[[[1]]]]\nb: " + std::string(60, '[') + "*a" + std::string(60, ']')) ==
        "t.yaml:2:64: error: this alias would nest the document deeper than 64 levels");
}

TEST_CASE("a missing file, a folder and an empty file are reported") {
  const auto folder = thermo::testing::scratch_dir("config");
  CHECK(load_errors(folder / "absent.yaml") == "absent.yaml: error: cannot read the pipeline file: no such file\n");
  const auto inside = folder / "sub" / "x.yaml";
  std::filesystem::create_directories(inside);
  CHECK(load_errors(inside) == "x.yaml: error: cannot read the pipeline file: it is a folder\n");
  CHECK(load_errors(write_pipeline("# nothing\n")) ==
        "pipeline.yaml:1:1: error: the pipeline is empty; it needs at least `thermo: 1` and `name: <name>`\n");
}

TEST_CASE("override values are parsed with the same limits") {
  const std::string text = "thermo: 1\nname: x\n";
  CHECK(thermo::testing::text_errors(text, {"description=" + std::string(70, '[')}) ==
        "command line:1:45: error: description: the document nests deeper than 64 levels\n");
  CHECK(thermo::testing::text_errors(text, {"description=[a, b"}) ==
        "command line:1:13: error: description: invalid YAML: end of sequence flow not found\n");
}
