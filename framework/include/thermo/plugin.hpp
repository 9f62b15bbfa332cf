#pragma once
// The plugin contract. Each plugin library exports one constant-initialised PluginEntry under
// the alias `thermo_plugin_entry` (THERMO_PLUGIN below). The host reads its ABI version and
// build id without running any plugin code, refuses a mismatch, and only then calls describe()
// for the Plugin object: kind, name, version, parameter schema and a factory.

#include <thermo/analysis.hpp>
#include <thermo/backend.hpp>
#include <thermo/build_id.hpp>
#include <thermo/dataset.hpp>
#include <thermo/estimator.hpp>
#include <thermo/model.hpp>
#include <thermo/optimizer.hpp>
#include <thermo/params.hpp>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace thermo {

// Bump when any interface in thermo/ changes incompatibly. The test `sdk_abi_digest` fails when a
// header under framework/include/thermo changes while this number does not move; after bumping it
// (or for a compatible change: comments, a new free function), `tools/refresh-abi-digest.sh`
// records the headers' new digest in framework/abi-digest.txt.
// 2: Backend::supports (fusion is the backend's choice), no gemm, f64 vectors on the host,
//    scale_to_norm, BackendPlugin::auto_score and settings without `threads`.
// 3: memory a plugin reports for the engine's projection: Model::tensor_bytes,
//    Estimator::memory, Optimizer::state_bytes.
inline constexpr std::uint32_t kPluginAbiVersion = 3;

enum class PluginKind : std::uint32_t { backend, dataset, model, optimizer, estimator, analysis, report };
[[nodiscard]] const char* to_string(PluginKind kind);

class BOOST_SYMBOL_VISIBLE Plugin {
 public:
  virtual ~Plugin() = default;
  [[nodiscard]] virtual PluginKind kind() const = 0;
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual std::string version() const = 0;
  [[nodiscard]] virtual std::string summary() const = 0;
  [[nodiscard]] virtual ParamSchema schema() const = 0;
};

class BOOST_SYMBOL_VISIBLE BackendPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::backend; }
  // Why this machine cannot run the backend (no device, the driver's message), or "" when it can.
  // Cheap enough to call at every `thermo run`; must not throw.
  [[nodiscard]] virtual std::string unavailable_reason() const { return {}; }
  // How much `backend: auto` wants this backend: auto takes the available backend of the highest
  // score (ties: the first name). Host backends score about 100, device backends about 1000, so a
  // machine with a working GPU computes on it.
  [[nodiscard]] virtual int auto_score() const = 0;
  // params: the schema's values (the pipeline's `backend:` section, defaults filled). A schema that
  // declares `threads` receives the run's host threads there when the section leaves it 0
  // (`threads:` at the top of the pipeline, `--threads`; 0: the backend's default).
  [[nodiscard]] virtual std::unique_ptr<Backend> create(const Params& params) const = 0;
};

class BOOST_SYMBOL_VISIBLE DatasetPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::dataset; }
  // Loads the whole data set; bad or missing files raise UserError naming the file.
  [[nodiscard]] virtual std::unique_ptr<Dataset> create(const Params& params) const = 0;
};

class BOOST_SYMBOL_VISIBLE ModelPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::model; }
  [[nodiscard]] virtual std::unique_ptr<Model> create(const Params& params, const ModelContext& context) const = 0;
};

class BOOST_SYMBOL_VISIBLE OptimizerPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::optimizer; }
  [[nodiscard]] virtual std::unique_ptr<Optimizer> create(const Params& params) const = 0;
};

class BOOST_SYMBOL_VISIBLE EstimatorPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::estimator; }
  [[nodiscard]] virtual std::unique_ptr<Estimator> create(const Params& params,
                                                          const EstimatorContext& context) const = 0;
};

class BOOST_SYMBOL_VISIBLE AnalysisPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::analysis; }
  [[nodiscard]] virtual std::unique_ptr<Analysis> create(const Params& params) const = 0;
  // Whether the analysis compares the runs of a sweep (temperatures across learning rates): the
  // engine skips it, saying so, when the experiment is a single run.
  [[nodiscard]] virtual bool needs_sweep() const { return false; }
};

class BOOST_SYMBOL_VISIBLE ReportPlugin : public Plugin {
 public:
  [[nodiscard]] PluginKind kind() const final { return PluginKind::report; }
  [[nodiscard]] virtual std::unique_ptr<Report> create(const Params& params) const = 0;
};

// Plain data, constant-initialised: the host reads it before running any plugin code.
struct PluginEntry {
  std::uint32_t abi_version;
  const char* build_id;
  const Plugin* (*describe)();
};

}  // namespace thermo

// In exactly one source file of a plugin: THERMO_PLUGIN(MyPluginClass)
#define THERMO_PLUGIN(PluginClass)                                                        \
  namespace thermo_plugin_detail {                                                        \
  inline const ::thermo::Plugin* describe() {                                             \
    static const PluginClass instance;                                                    \
    return &instance;                                                                     \
  }                                                                                       \
  extern const ::thermo::PluginEntry entry;                                               \
  const ::thermo::PluginEntry entry{::thermo::kPluginAbiVersion, THERMO_BUILD_ID, &describe}; \
  }                                                                                       \
  BOOST_DLL_ALIAS(thermo_plugin_detail::entry, thermo_plugin_entry)
