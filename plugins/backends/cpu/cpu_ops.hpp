#pragma once
// Factories of the cpu backend's op objects; each op caches its oneDNN primitives per input
// shape (and layout) and keeps what its backward needs.

#include "cpu_context.hpp"

#include <thermo/backend.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace thermo::cpu {

[[nodiscard]] std::unique_ptr<Conv2dOp> make_conv2d(ContextPtr context, const Conv2dSpec& spec);
// A convolution's forward pass, or its backward passes (data and weights).
enum class ConvPass { forward, backward };
// Whether a convolution pass runs oneDNN's Winograd F(4×4, 3×3) kernels when the backend runs
// oneDNN's (winograd_kernels): 3×3, stride 1, channels in blocks of 16, and from 32 input channels on
// for the forward, 16 for the backward passes (measured: 1.85× faster at 64 to 512 channels; at
// ConvNet(8)'s 16→32 layer the backward passes took 0.9 ms less per step and the forward 0.1 ms
// more, docs/performance.md).
[[nodiscard]] bool winograd_fits(const Conv2dSpec& spec, ConvPass pass);

// Whether oneDNN has Winograd kernels for this machine (in oneDNN 2.6 only with AVX-512): without
// them the `winograd` setting runs thermo's (winograd_kernels) or, without AVX2 either, nothing
// (every pass direct) and the backend's description says so. Probed once, on a convolution
// Winograd fits.
[[nodiscard]] bool machine_has_winograd();

// Whose Winograd kernels the `winograd` setting runs: those the context's request names, if the
// machine has them; for WinogradRequest::best oneDNN's where the machine has them, else thermo's
// own (winograd_kernels.hpp, AVX2) for the convolutions they fit; else none.
enum class WinogradKernels { none, onednn, thermo };
[[nodiscard]] WinogradKernels winograd_kernels(const CpuContext& context);
// The `winograd` and `winograd_kernels` (auto, onednn, thermo) settings as one request. Kernels
// named that this machine lacks, or an unknown name, throw UserError naming the setting.
[[nodiscard]] WinogradRequest winograd_request(bool winograd, const std::string& kernels);

// Winograd kernels keep transformed tiles of src, dst and weights in a scratchpad that grows with
// the batch: 1.8 GB for the weight gradient of ConvNet(64)'s 64→128 layer over an evaluation chunk
// of 1024, 238 MB at batch 128. A pass above this runs direct, so that the setting costs no
// machine its memory (docs/performance.md, "Memory").
inline constexpr std::size_t kWinogradScratchpadLimit = std::size_t{256} << 20;

// The algorithm of one convolution pass: `preferred` unless it is Winograd and the Winograd kernel
// `make(algorithm, allow_empty, attr)` describes (a primitive descriptor, empty when oneDNN has
// none) is missing or its scratchpad exceeds the limit; then direct. oneDNN reports the size only
// in user scratchpad mode.
template <typename Make>
[[nodiscard]] dnnl::algorithm pass_algorithm(dnnl::algorithm preferred, const Make& make) {
  const auto winograd = dnnl::algorithm::convolution_winograd;
  if (preferred != winograd) return preferred;
  dnnl::primitive_attr sized;
  sized.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const auto descriptor = make(winograd, true, sized);
  return descriptor && descriptor.scratchpad_desc().get_size() <= kWinogradScratchpadLimit
             ? winograd
             : dnnl::algorithm::convolution_direct;
}
[[nodiscard]] std::unique_ptr<BatchNormOp> make_batch_norm(ContextPtr context, const BatchNormSpec& spec);
[[nodiscard]] std::unique_ptr<ReluOp> make_relu(ContextPtr context);
[[nodiscard]] std::unique_ptr<PoolOp> make_pool(ContextPtr context, const PoolSpec& spec);
[[nodiscard]] std::unique_ptr<LinearOp> make_linear(ContextPtr context, const LinearSpec& spec);
[[nodiscard]] std::unique_ptr<LossOp> make_loss(ContextPtr context, LossKind kind, std::int64_t classes);

}  // namespace thermo::cpu
