#pragma once
// Factories of the cpu backend's op objects; each op caches its oneDNN primitives per input
// shape (and layout) and keeps what its backward needs.

#include "cpu_context.hpp"

#include <thermo/backend.hpp>

#include <memory>

namespace thermo::cpu {

[[nodiscard]] std::unique_ptr<Conv2dOp> make_conv2d(ContextPtr context, const Conv2dSpec& spec);
// Whether a convolution runs oneDNN's Winograd F(4×4, 3×3) kernels when the backend's `winograd`
// setting is on: 3×3, stride 1, channels in blocks of 16, and from 32 input channels on (measured:
// 1.85× faster at 64 to 512 channels, slower at 16).
[[nodiscard]] bool winograd_fits(const Conv2dSpec& spec);
[[nodiscard]] std::unique_ptr<BatchNormOp> make_batch_norm(ContextPtr context, const BatchNormSpec& spec);
[[nodiscard]] std::unique_ptr<ReluOp> make_relu(ContextPtr context);
[[nodiscard]] std::unique_ptr<PoolOp> make_pool(ContextPtr context, const PoolSpec& spec);
[[nodiscard]] std::unique_ptr<LinearOp> make_linear(ContextPtr context, const LinearSpec& spec);
[[nodiscard]] std::unique_ptr<LossOp> make_loss(ContextPtr context, LossKind kind, std::int64_t classes);

}  // namespace thermo::cpu
