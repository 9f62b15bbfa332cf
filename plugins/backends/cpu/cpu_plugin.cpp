// The `cpu` backend plugin: oneDNN for the network ops, OpenBLAS for the Gram matrices.
#include "cpu_backend.hpp"
#include "cpu_ops.hpp"

#include <thermo/error.hpp>
#include <thermo/plugin.hpp>

namespace {

class CpuBackendPlugin final : public thermo::BackendPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "cpu"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "the host's cores: oneDNN 2.6 primitives (OpenMP) for the network ops, OpenBLAS for the Gram matrices";
  }
  // Runs on every machine; `auto` takes it when no device backend can run.
  [[nodiscard]] int auto_score() const override { return 100; }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema
        .add("threads", thermo::ParamType::integer,
             "worker threads; 0: the run's threads (threads:, --threads), else every core")
        .def(std::int64_t{0})
        .min(0);
    schema
        .add("winograd", thermo::ParamType::boolean,
             "3×3 stride-1 convolutions with many channels use Winograd kernels (winograd_kernels: whose): ~1.8x "
             "faster at ConvNet(64), float32 rounding up to ~5x larger than direct convolution")
        .def(false);
    schema
        .add("winograd_kernels", thermo::ParamType::choice,
             "whose Winograd kernels `winograd: true` runs: auto (oneDNN's where the CPU has AVX-512, else thermo's "
             "own AVX2 F(4x4,3x3)/F(2x2,3x3)), onednn or thermo (refused where the CPU lacks them)")
        .def(std::string("auto"))
        .one_of({"auto", "onednn", "thermo"});
    schema
        .add("thin_convolutions", thermo::ParamType::boolean,
             "3×3 stride-1 convolutions with few channels (ConvNet(8)'s 3→8 and 8→16 forward, 8→16 backward "
             "data) run thermo's own AVX-512 kernels, up to 2x faster than oneDNN's there; ignored without AVX-512")
        .def(true);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Backend> create(const thermo::Params& params) const override {
    const std::int64_t threads = params.has("threads") ? params.get_int("threads") : 0;
    if (threads < 0 || threads > 4096) {
      throw thermo::UserError("backend cpu: threads must be an integer in [0, 4096] (0 uses every core), got " +
                              std::to_string(threads));
    }
    const bool winograd = params.has("winograd") && params.get_bool("winograd");
    const std::string kernels = params.has("winograd_kernels") ? params.get_string("winograd_kernels") : "auto";
    const bool thin_convolutions = !params.has("thin_convolutions") || params.get_bool("thin_convolutions");
    return std::make_unique<thermo::cpu::CpuBackend>(
        static_cast<int>(threads), thermo::cpu::winograd_request(winograd, kernels), thin_convolutions);
  }
};

}  // namespace

THERMO_PLUGIN(CpuBackendPlugin)
