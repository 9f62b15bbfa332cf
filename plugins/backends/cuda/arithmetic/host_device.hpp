#pragma once
// THERMO_HOST_DEVICE marks the arithmetic the cuda backend's kernels run per element or per
// thread: compiled by nvcc for the device and by the host compiler for the unit tests
// (plugins/backends/cuda/tests), which check it against float64 references without a GPU.

#if defined(__CUDACC__)
#define THERMO_HOST_DEVICE __host__ __device__ inline
#else
#define THERMO_HOST_DEVICE inline
#endif
