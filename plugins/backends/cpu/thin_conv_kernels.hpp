#pragma once
// thermo's own kernels for 3×3, stride-1, padding-1 convolutions with few channels: ConvNet(8)'s
// 3→8 and 8→16 forward and 8→16 backward data, where oneDNN 2.6's direct kernels reach 30-80% of
// the machine's float32 peak and these 85-90% (docs/performance.md). AVX-512 (F and VL); float32
// products and sums, like oneDNN's direct kernels, in another order.

#include "conv_geometry.hpp"

#include <thermo/backend.hpp>

#include <cstdint>

namespace thermo::cpu::thin_conv {

using Index = std::int64_t;

// Where element (n, c, h, w) of an activation is: n·image + c·channel + (h·width + w)·pixel
// floats from the start. Plain NCHW: {C·H·W, H·W, 1}; channels-last: {H·W·C, 1, C}.
struct Strides {
  Index image = 0;
  Index channel = 0;
  Index pixel = 0;
};

using Geometry = ConvGeometry;

// Whether this machine runs the kernels (AVX-512 F and VL).
[[nodiscard]] bool machine_supports();

// The passes the kernels take, 3×3, stride 1, padding 1, where they were measured faster than
// oneDNN 2.6 at batch 128 (docs/performance.md):
//  - forward: up to 8 input channels, 8 or 16 output channels (3→8 at 32×32: 0.39-0.42 ms against
//    0.65-0.87; 8→8 at 16×16: 0.20 against 0.44; 8→16 at 32×32: 1.5-1.8 ms, a tie alone, and
//    within ConvNet(8)'s step all forward convolutions 3.77-3.87 ms against 3.89-4.08);
//  - backward data: 8 input channels, 8 or 16 output channels (8→16 at 32×32: 1.5-1.7 ms against
//    2.8 channels-last).
// The weight gradient stays with oneDNN: a kernel of this design tied with it (8→16: 1.7 against
// 1.6 ms).
[[nodiscard]] bool fits_forward(const Conv2dSpec& spec);
[[nodiscard]] bool fits_backward_data(const Conv2dSpec& spec);

// weight: OIHW. dst, diff_src and diff_dst: channels-last. Only on a machine that supports them,
// for a spec that fits the pass.
void forward(const float* src, const Strides& src_strides, const float* weight, float* dst, const Geometry& geometry,
             int threads);
void backward_data(const float* diff_dst, const float* weight, float* diff_src, const Geometry& geometry, int threads);

}  // namespace thermo::cpu::thin_conv
