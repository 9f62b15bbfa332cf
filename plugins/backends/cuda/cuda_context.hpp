#pragma once
// What every op of the cuda backend shares: the device, one stream (all work is ordered on it),
// the cuBLAS and cuDNN handles bound to that stream, the settings, a growing workspace for
// cuDNN, float64 scratch for the reductions, and pinned host memory for what the host reads
// back. Like the backend, used by one thread at a time.

#include "cuda_check.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace thermo::cuda {

struct Settings {
  int device = 0;
  bool deterministic = true;  // only deterministic cuDNN algorithms
  bool tf32 = false;          // allow TF32 tensor-core arithmetic in convolutions and matrix products
};

// Device memory (cudaMalloc), freed when destroyed; empty when 0 bytes.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  explicit DeviceMemory(std::size_t bytes);
  ~DeviceMemory();
  DeviceMemory(DeviceMemory&& other) noexcept;
  DeviceMemory& operator=(DeviceMemory&& other) noexcept;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  [[nodiscard]] void* data() const { return data_; }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }
  template <typename Value>
  [[nodiscard]] Value* as() const {
    return static_cast<Value*>(data_);
  }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class Context {
 public:
  explicit Context(const Settings& settings);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  [[nodiscard]] const Settings& settings() const { return settings_; }
  [[nodiscard]] cudaStream_t stream() const { return stream_; }
  [[nodiscard]] cublasHandle_t cublas() const { return cublas_; }
  [[nodiscard]] cudnnHandle_t cudnn() const { return cudnn_; }
  // "NVIDIA H200 (compute 9.0, 132 multiprocessors, 140 GB)".
  [[nodiscard]] std::string device_description() const;

  // Makes the context's device current on the calling thread (cheap); every entry point calls it.
  void activate() const;
  void synchronize() const;

  // Scratch device memory of at least `bytes` (cuDNN workspaces), valid until the next call; it
  // grows to the largest request and is made once per size, so plans reuse it.
  void* workspace(std::size_t bytes);
  // Float64 scratch of at least `count` doubles for a reduction's block sums, and one more
  // double for its result, both valid until the next call.
  double* reduction_scratch(std::int64_t count);
  [[nodiscard]] double* reduction_result() const { return result_.as<double>(); }
  // Copies `bytes` from device memory to the host and waits for them.
  void read(const void* src_device, void* dst_host, std::size_t bytes) const;
  // The float64 result of the last reduction, read back to the host (waits).
  [[nodiscard]] double read_result() const;

  // Replaces `memory` by a larger allocation when it holds less than `bytes`. Waits for queued
  // work first, which may still read the old memory.
  void grow(DeviceMemory& memory, std::size_t bytes) const;

 private:
  Settings settings_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  DeviceMemory workspace_;
  DeviceMemory reduction_;
  DeviceMemory result_;
  double* pinned_result_ = nullptr;
};

using ContextPtr = std::shared_ptr<Context>;

}  // namespace thermo::cuda
