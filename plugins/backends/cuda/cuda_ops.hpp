#pragma once
// Factories of the cuda backend's op objects: convolutions on cuDNN (plans and algorithms chosen
// once per input shape), linear layers on cuBLAS, the rest on the backend's own kernels.

#include "cuda_context.hpp"

#include <thermo/backend.hpp>

#include <cstdint>
#include <memory>
#include <span>

namespace thermo::cuda {

[[nodiscard]] std::unique_ptr<Conv2dOp> make_conv2d(ContextPtr context, const Conv2dSpec& spec);
[[nodiscard]] std::unique_ptr<BatchNormOp> make_batch_norm(ContextPtr context, const BatchNormSpec& spec);
[[nodiscard]] std::unique_ptr<ReluOp> make_relu(ContextPtr context);
[[nodiscard]] std::unique_ptr<PoolOp> make_pool(ContextPtr context, const PoolSpec& spec);
[[nodiscard]] std::unique_ptr<LinearOp> make_linear(ContextPtr context, const LinearSpec& spec);
[[nodiscard]] std::unique_ptr<LossOp> make_loss(ContextPtr context, LossKind kind, std::int64_t classes);

// Pairwise squared distances of `count` device rows of `dim` floats into host memory (count²).
void pairwise_squared_distances(Context& context, const float* rows, std::int64_t count, std::int64_t dim,
                                std::span<double> dst_host);

}  // namespace thermo::cuda
