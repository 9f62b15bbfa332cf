#pragma once
// The shape of a 3×3, stride-1, padding-1 convolution as thermo's own kernels take it
// (thin_conv_kernels.hpp, winograd_kernels.hpp): src and dst have the same height and width.

#include <cstdint>

namespace thermo::cpu {

struct ConvGeometry {
  std::int64_t batch = 0;
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  std::int64_t height = 0;  // of src and dst
  std::int64_t width = 0;
};

}  // namespace thermo::cpu
