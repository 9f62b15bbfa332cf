#pragma once
// Failures of the CUDA runtime, cuBLAS and cuDNN as exceptions that name the call and carry the
// library's own message; require() for a caller's bug (std::invalid_argument).

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <string>

namespace thermo::cuda {

void check(cudaError_t status, const char* call);
void check(cublasStatus_t status, const char* call);
void check(cudnnStatus_t status, const char* call);

// Throws std::invalid_argument("cuda backend: <what>") when `condition` is false.
void require(bool condition, const std::string& what);

}  // namespace thermo::cuda
