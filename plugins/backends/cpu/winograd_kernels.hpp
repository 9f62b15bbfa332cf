#pragma once
// thermo's own Winograd convolutions for machines where oneDNN 2.6 has no Winograd kernels (no
// AVX-512): 3×3, stride 1, padding 1, 16+ channels. F(4×4, 3×3) from 32 channels in and out (4×
// fewer multiply-adds than direct convolution, float32 error ~10× direct's: 2e-5 against 2e-6, max
// over elements of |error| / (|exact| + rms), conv_algorithms_test), F(2×2, 3×3) below (2.25×
// fewer, error like direct's). All three passes share the tile transforms; the transformed
// products run on kernels of thermo's own for few channels, on oneDNN's sgemm for many. AVX2 and FMA.

#include "conv_geometry.hpp"

#include <thermo/backend.hpp>

#include <cstdint>
#include <string>

namespace thermo::cpu::winograd {

using Index = std::int64_t;

using Geometry = ConvGeometry;

// Whether this machine runs the kernels (AVX2 and FMA).
[[nodiscard]] bool machine_supports();

// The algorithms as descriptions name them: "F(4x4,3x3) from 32 channels, F(2x2,3x3) from 16";
// and the one a convolution that fits runs: "F(4x4,3x3)" or "F(2x2,3x3)".
[[nodiscard]] const std::string& algorithm_name();
[[nodiscard]] const char* algorithm_name(const Geometry& geometry);

// The convolutions the kernels take: 3×3, stride 1, padding 1, from 16 channels in and out (in
// blocks of 8). On ConvNet(8) (AVX2 EPYC, 2 threads; docs/performance.md) its 32→64 at 8×8 runs on
// F(4×4) 1.6-2.4× faster per pass than on oneDNN's direct kernels, its 16→32 at 16×16 on F(2×2)
// 1.2-1.5×. F(4×4) on 16→32 was faster still, but its rounding flips ReLUs near zero in
// ConvNet(16)'s 16→32 at 32×32: its full gradient then differed from PyTorch's by 3.7e-4, over the
// 1e-4 the exactness test allows (4.9e-6 with F(2×2) there). With 8 input channels (8→16 at 32×32)
// F(2×2) was slower than direct: products 8 deep do not pay for the transforms.
[[nodiscard]] bool fits(const Conv2dSpec& spec);

// src, dst, diff_src and diff_dst channels-last (NHWC); weight and diff_weight OIHW. Only on a
// machine that supports them, for a spec that fits. backward_weights overwrites diff_weight.
void forward(const float* src, const float* weight, float* dst, const Geometry& geometry, int threads);
void backward_data(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry, int threads);
void backward_weights(const float* src, const float* diff_dst, float* diff_weight, const Geometry& geometry,
                      int threads);

}  // namespace thermo::cpu::winograd
