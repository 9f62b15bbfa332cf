#include "cuda_context.hpp"

#include <fmt/format.h>

#include <utility>

namespace thermo::cuda {
namespace {
// Queued work may still use the memory: wait for the device before freeing it (rare: growth and
// teardown).
void release(void* data) {
  if (data == nullptr) return;
  (void)cudaDeviceSynchronize();
  (void)cudaFree(data);
}
}  // namespace

DeviceMemory::DeviceMemory(std::size_t bytes) : bytes_(bytes) {
  if (bytes > 0) check(cudaMalloc(&data_, bytes), "cudaMalloc");
}

DeviceMemory::~DeviceMemory() {
  release(data_);
}

DeviceMemory::DeviceMemory(DeviceMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceMemory& DeviceMemory::operator=(DeviceMemory&& other) noexcept {
  if (this != &other) {
    release(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

Context::Context(const Settings& settings) : settings_(settings) {
  activate();
  check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  check(cublasCreate(&cublas_), "cublasCreate");
  check(cublasSetStream(cublas_, stream_), "cublasSetStream");
  check(cublasSetMathMode(cublas_, settings.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
        "cublasSetMathMode");
  check(cudnnCreate(&cudnn_), "cudnnCreate");
  check(cudnnSetStream(cudnn_, stream_), "cudnnSetStream");
  result_ = DeviceMemory(sizeof(double));
  check(cudaMallocHost(reinterpret_cast<void**>(&pinned_result_), sizeof(double)), "cudaMallocHost");
}

Context::~Context() {
  (void)cudaStreamSynchronize(stream_);
  if (pinned_result_ != nullptr) (void)cudaFreeHost(pinned_result_);
  if (cudnn_ != nullptr) (void)cudnnDestroy(cudnn_);
  if (cublas_ != nullptr) (void)cublasDestroy(cublas_);
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
}

std::string Context::device_description() const {
  cudaDeviceProp properties{};
  check(cudaGetDeviceProperties(&properties, settings_.device), "cudaGetDeviceProperties");
  return fmt::format("{} (device {}, compute {}.{}, {} multiprocessors, {:.0f} GB)", properties.name, settings_.device,
                     properties.major, properties.minor, properties.multiProcessorCount,
                     static_cast<double>(properties.totalGlobalMem) / 1e9);
}

void Context::activate() const {
  check(cudaSetDevice(settings_.device), "cudaSetDevice");
}

void Context::synchronize() const {
  check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
}

void Context::grow(DeviceMemory& memory, std::size_t bytes) const {
  if (memory.bytes() >= bytes) return;
  synchronize();
  memory = DeviceMemory(bytes);
}

void* Context::workspace(std::size_t bytes) {
  grow(workspace_, bytes);
  return workspace_.data();
}

double* Context::reduction_scratch(std::int64_t count) {
  grow(reduction_, static_cast<std::size_t>(count) * sizeof(double));
  return reduction_.as<double>();
}

void Context::read(const void* src_device, void* dst_host, std::size_t bytes) const {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst_host, src_device, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync (read)");
  synchronize();
}

double Context::read_result() const {
  check(cudaMemcpyAsync(pinned_result_, result_.data(), sizeof(double), cudaMemcpyDeviceToHost, stream_),
        "cudaMemcpyAsync (result)");
  synchronize();
  return *pinned_result_;
}

}  // namespace thermo::cuda
