#pragma once
// The backend a micro-benchmark measures: the plugin in `plugin_dir`, loaded through the engine's
// registry (ABI and build-id checks, kept loaded to exit), created with the schema's defaults,
// `threads` and any `extra` parameters (e.g. cpu's winograd).

#include <thermo/backend.hpp>
#include <thermo/params.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace thermo::bench {

std::unique_ptr<Backend> load_backend(const std::filesystem::path& plugin_dir, const std::string& name,
                                      std::int64_t threads, const std::map<std::string, ParamValue>& extra = {});

}  // namespace thermo::bench
