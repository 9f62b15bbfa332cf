#pragma once
// thermo's own Winograd F(4×4, 3×3) convolutions for machines where oneDNN 2.6 has no Winograd
// kernels (no AVX-512): 3×3, stride 1, padding 1, many channels. All three passes share the tile
// transforms and run the 36 products per chunk of tiles on oneDNN's sgemm: 4× fewer multiply-adds
// than direct convolution, float32 error ~10× direct's (2e-5 against 2e-6, max over elements of
// |error| / (|exact| + rms), conv_algorithms_test). AVX2 and FMA.

#include "conv_geometry.hpp"

#include <thermo/backend.hpp>

#include <cstdint>

namespace thermo::cpu::winograd {

using Index = std::int64_t;

using Geometry = ConvGeometry;

// Whether this machine runs the kernels (AVX2 and FMA).
[[nodiscard]] bool machine_supports();

// The algorithm as descriptions name it: "F(4x4,3x3)".
[[nodiscard]] const char* algorithm_name();

// The convolutions the kernels take: 3×3, stride 1, padding 1, from 32 channels in and out (in
// blocks of 8). ConvNet(8)'s 32→64 at 8×8 runs 1.4-1.6× faster (its three passes together) than
// on oneDNN's direct kernels. From 16 channels (its 16→32) they were faster too, but their
// float32 error, 2e-5, flips ReLUs near zero in ConvNet(16)'s 16→32 at 32×32: its full gradient
// then differs from PyTorch's by 3.7e-4, over the 1e-4 the exactness test allows (4.5e-6 from 32
// channels). With 8 they are slower (8→16 at 32×32); the transformed products, 8 deep, are bound
// by memory there. docs/performance.md has the numbers.
[[nodiscard]] bool fits(const Conv2dSpec& spec);

// src, dst, diff_src and diff_dst channels-last (NHWC); weight and diff_weight OIHW. Only on a
// machine that supports them, for a spec that fits. backward_weights overwrites diff_weight.
void forward(const float* src, const float* weight, float* dst, const Geometry& geometry, int threads);
void backward_data(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry, int threads);
void backward_weights(const float* src, const float* diff_dst, float* diff_weight, const Geometry& geometry,
                      int threads);

}  // namespace thermo::cpu::winograd
