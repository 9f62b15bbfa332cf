#include "cuda_check.hpp"

#include <stdexcept>

namespace thermo::cuda {

void check(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string("cuda backend: ") + call + " failed: " + cudaGetErrorName(status) + ": " +
                           cudaGetErrorString(status));
}

void check(cublasStatus_t status, const char* call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw std::runtime_error(std::string("cuda backend: ") + call + " failed: " + cublasGetStatusName(status) + ": " +
                           cublasGetStatusString(status));
}

void check(cudnnStatus_t status, const char* call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof detail);
  throw std::runtime_error(std::string("cuda backend: ") + call + " failed: " + cudnnGetErrorString(status) +
                           (detail[0] != '\0' ? std::string(" (") + detail + ")" : std::string()));
}

void require(bool condition, const std::string& what) {
  if (!condition) throw std::invalid_argument("cuda backend: " + what);
}

}  // namespace thermo::cuda
