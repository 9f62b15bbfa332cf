#pragma once
// The vector ops of the cpu backend on f32 views (fill and copy also i32): element-wise loops
// with OpenMP, reductions in float64 over fixed blocks (the same sum for any thread count).

#include "cpu_context.hpp"

#include <thermo/backend.hpp>

namespace thermo::cpu {

void fill(const CpuContext& context, VectorView x, double value);
void copy(const CpuContext& context, ConstVectorView src, VectorView dst);
void axpy(const CpuContext& context, double alpha, ConstVectorView x, VectorView y);
void scale(const CpuContext& context, double alpha, VectorView x);
[[nodiscard]] double dot(const CpuContext& context, ConstVectorView x, ConstVectorView y);

}  // namespace thermo::cpu
