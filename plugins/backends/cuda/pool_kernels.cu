// Max and average pooling over NCHW (arithmetic/pool.hpp): one thread per output forward, one
// thread per input backward (gathering from the windows that cover it, so overlapping windows
// need no atomics and every sum has a fixed order).
#include "arithmetic/pool.hpp"
#include "kernels.hpp"
#include "launch.cuh"

namespace thermo::cuda::kernels {
namespace {

namespace math = arithmetic;

struct Position {
  std::int64_t plane, y, x;
};

__device__ Position output_position(const PoolGeometry& g, std::int64_t i) {
  const std::int64_t per_plane = g.out_height * g.out_width;
  const std::int64_t plane = i / per_plane;
  const std::int64_t within = i - plane * per_plane;
  return {plane, within / g.out_width, within % g.out_width};
}

__device__ Position input_position(const PoolGeometry& g, std::int64_t i) {
  const std::int64_t per_plane = g.height * g.width;
  const std::int64_t plane = i / per_plane;
  const std::int64_t within = i - plane * per_plane;
  return {plane, within / g.width, within % g.width};
}

// visit(offset within the plane) for the window of output `out`, in scan order, padding skipped.
template <typename Visit>
__device__ void for_each_in_window(const PoolGeometry& g, const Position& out, const Visit& visit) {
  for (std::int64_t ky = 0; ky < g.kernel; ++ky) {
    const std::int64_t sy = out.y * g.stride - g.padding + ky;
    if (sy < 0 || sy >= g.height) continue;
    for (std::int64_t kx = 0; kx < g.kernel; ++kx) {
      const std::int64_t sx = out.x * g.stride - g.padding + kx;
      if (sx >= 0 && sx < g.width) visit(sy * g.width + sx);
    }
  }
}

// visit(index of the output) for every window that covers input `in`, in order.
template <typename Visit>
__device__ void for_each_covering(const PoolGeometry& g, const Position& in, const Visit& visit) {
  const auto rows = math::covering_windows(in.y, g.kernel, g.stride, g.padding, g.out_height);
  const auto columns = math::covering_windows(in.x, g.kernel, g.stride, g.padding, g.out_width);
  const std::int64_t base = in.plane * g.out_height * g.out_width;
  for (std::int64_t oy = rows.first; oy <= rows.last; ++oy) {
    for (std::int64_t ox = columns.first; ox <= columns.last; ++ox) visit(base + oy * g.out_width + ox);
  }
}

struct MaxForward {
  const float* src;
  float* dst;
  std::int32_t* argmax;
  PoolGeometry g;
  __device__ void operator()(std::int64_t i) const {
    const Position out = output_position(g, i);
    const float* plane = src + out.plane * g.height * g.width;
    float best = 0.0F;
    std::int64_t best_at = -1;
    for_each_in_window(g, out, [&](std::int64_t at) {
      if (best_at < 0 || math::replaces_maximum(plane[at], best)) {
        best = plane[at];
        best_at = at;
      }
    });
    dst[i] = best;
    if (argmax != nullptr) argmax[i] = static_cast<std::int32_t>(best_at);
  }
};

struct MaxBackward {
  const float* diff_dst;
  const std::int32_t* argmax;
  float* diff_src;
  PoolGeometry g;
  __device__ void operator()(std::int64_t i) const {
    const Position in = input_position(g, i);
    const std::int64_t self = in.y * g.width + in.x;
    float sum = 0.0F;
    for_each_covering(g, in, [&](std::int64_t at) {
      if (argmax[at] == self) sum += diff_dst[at];
    });
    diff_src[i] = sum;
  }
};

struct AverageForward {
  const float* src;
  float* dst;
  PoolGeometry g;
  __device__ void operator()(std::int64_t i) const {
    const Position out = output_position(g, i);
    const float* plane = src + out.plane * g.height * g.width;
    double sum = 0.0;
    for_each_in_window(g, out, [&](std::int64_t at) { sum += static_cast<double>(plane[at]); });
    dst[i] = static_cast<float>(sum / static_cast<double>(g.kernel * g.kernel));
  }
};

struct AverageBackward {
  const float* diff_dst;
  float* diff_src;
  PoolGeometry g;
  __device__ void operator()(std::int64_t i) const {
    const Position in = input_position(g, i);
    double sum = 0.0;
    for_each_covering(g, in, [&](std::int64_t at) { sum += static_cast<double>(diff_dst[at]); });
    diff_src[i] = static_cast<float>(sum / static_cast<double>(g.kernel * g.kernel));
  }
};

std::int64_t outputs(const PoolGeometry& g) {
  return g.batch * g.channels * g.out_height * g.out_width;
}
std::int64_t inputs(const PoolGeometry& g) {
  return g.batch * g.channels * g.height * g.width;
}

}  // namespace

void max_pool_forward(const float* src, float* dst, std::int32_t* argmax, const PoolGeometry& geometry,
                      cudaStream_t stream) {
  for_each(outputs(geometry), MaxForward{src, dst, argmax, geometry}, stream, "max_pool_forward");
}
void max_pool_backward(const float* diff_dst, const std::int32_t* argmax, float* diff_src, const PoolGeometry& geometry,
                       cudaStream_t stream) {
  for_each(inputs(geometry), MaxBackward{diff_dst, argmax, diff_src, geometry}, stream, "max_pool_backward");
}
void average_pool_forward(const float* src, float* dst, const PoolGeometry& geometry, cudaStream_t stream) {
  for_each(outputs(geometry), AverageForward{src, dst, geometry}, stream, "average_pool_forward");
}
void average_pool_backward(const float* diff_dst, float* diff_src, const PoolGeometry& geometry, cudaStream_t stream) {
  for_each(inputs(geometry), AverageBackward{diff_dst, diff_src, geometry}, stream, "average_pool_backward");
}

}  // namespace thermo::cuda::kernels
