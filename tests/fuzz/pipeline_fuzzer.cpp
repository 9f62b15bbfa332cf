// Fuzzes the pipeline loader and validator as `thermo validate` and `thermo run` reach them:
// the input is a pipeline file's text, then (after the first NUL byte, if any) `key=value`
// overrides, one per line. The schemas are the real plugins', loaded through the registry from
// this build's plugin folder (same compiler, so the build ids match), so validation goes as deep
// as it does for a user: every plugin section, sweep values applied one by one, the first point.
#include "fuzz_support.hpp"

#include "config/load_pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <thermo/error.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
using thermo::engine::PluginRegistry;

PluginRegistry* registry = nullptr;  // never destroyed: plugins stay loaded until exit

// Loads every plugin's schema now, so that no library is opened while inputs run.
std::size_t load_every_schema(PluginRegistry& plugins) {
  std::size_t loaded = 0;
  for (const auto kind : thermo::engine::all_plugin_kinds()) {
    for (const auto& name : plugins.names(kind)) {
      try {
        if (plugins.find_schema(kind, name) != nullptr) ++loaded;
      } catch (const thermo::UserError& error) {
        std::fprintf(stderr, "pipeline_fuzzer: skipping %s\n", error.what());
      }
    }
  }
  return loaded;
}

std::vector<thermo::engine::Override> parse_override_lines(const std::string& text) {
  std::vector<thermo::engine::Override> overrides;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    if (end > begin) overrides.push_back(thermo::engine::parse_override(text.substr(begin, end - begin)));
    begin = end + 1;
  }
  return overrides;
}

// What the CLI prints for the errors; formatting must not fail either.
void format_all(const thermo::UserErrors& errors) {
  std::size_t length = 0;
  for (const auto& error : errors.errors()) length += thermo::format_error(error).size();
  if (length == 0 && !errors.errors().empty()) std::abort();  // an error without text helps no one
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  thermo::fuzz::silence_logging();
  registry = new PluginRegistry({THERMO_FUZZ_PLUGIN_DIR});
  if (load_every_schema(*registry) == 0) {
    std::fprintf(stderr, "pipeline_fuzzer: no plugin schemas in %s; build the plugins first\n", THERMO_FUZZ_PLUGIN_DIR);
    std::exit(1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t separator = input.find('\0');
  const std::string text = input.substr(0, separator);
  const auto file = thermo::fuzz::write_scratch_file("pipeline.yaml",
                                                     {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  try {
    const auto overrides = separator == std::string::npos ? std::vector<thermo::engine::Override>{}
                                                          : parse_override_lines(input.substr(separator + 1));
    const auto pipeline = thermo::engine::load_pipeline(file, overrides, *registry);
    const auto points = thermo::engine::expand_sweep(pipeline);
    if (!points.empty()) (void)thermo::engine::load_point_pipeline(file, overrides, points.front(), *registry);
  } catch (const thermo::UserErrors& errors) {
    format_all(errors);
  } catch (const thermo::UserError& error) {
    (void)thermo::format_error(error);
  }
  return 0;
}
