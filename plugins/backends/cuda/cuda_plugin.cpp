// The `cuda` backend plugin. Loading it needs the CUDA runtime, cuBLAS and cuDNN 9 libraries
// (the loader's message names a missing one); running it needs a driver and a device, and
// unavailable_reason() carries the driver's message when there is none, so that `auto` takes
// another backend.
#include "cuda_backend.hpp"

#include <thermo/error.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

namespace {

class CudaBackendPlugin final : public thermo::BackendPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "cuda"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "an NVIDIA GPU: cuDNN 9 convolutions, cuBLAS, kernels of its own; data and parameters stay on the device";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("device", thermo::ParamType::integer, "CUDA device index").def(std::int64_t{0}).min(0);
    schema
        .add("deterministic", thermo::ParamType::boolean,
             "only cuDNN algorithms that give the same bits every run (false: also those with atomics)")
        .def(true);
    schema
        .add("tf32", thermo::ParamType::boolean,
             "allow TF32 tensor cores in convolutions and matrix products (faster, ~1e-3 relative rounding)")
        .def(false);
    return schema;
  }
  // A working GPU computes the paper's sweeps an order of magnitude faster than a CPU.
  [[nodiscard]] int auto_score() const override { return 1000; }

  [[nodiscard]] std::string unavailable_reason() const override {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      return fmt::format("no usable CUDA driver or device: {} ({})", cudaGetErrorString(status),
                         cudaGetErrorName(status));
    }
    if (count == 0) return "no CUDA device";
    if (const std::size_t cudnn = cudnnGetVersion(); cudnn / 10000 != CUDNN_MAJOR) {
      return fmt::format("cuDNN {} is loaded, this plugin was built for cuDNN {}", cudnn, CUDNN_MAJOR);
    }
    return {};
  }

  [[nodiscard]] std::unique_ptr<thermo::Backend> create(const thermo::Params& params) const override {
    thermo::cuda::Settings settings;
    settings.device = static_cast<int>(params.get_int("device"));
    settings.deterministic = params.get_bool("deterministic");
    settings.tf32 = params.get_bool("tf32");
    int count = 0;
    thermo::cuda::check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
    if (settings.device >= count) {
      throw thermo::UserError(fmt::format("backend cuda: device {} does not exist; this machine has {} device{}",
                                          settings.device, count, count == 1 ? "" : "s"));
    }
    return std::make_unique<thermo::cuda::CudaBackend>(settings);
  }
};

}  // namespace

THERMO_PLUGIN(CudaBackendPlugin)
