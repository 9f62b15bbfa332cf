#pragma once
// What every op of the cpu backend shares: the oneDNN engine and stream, and the thread count
// (set on the calling thread before each op, since OpenMP keeps the count per thread).

#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <string>
#include <unordered_map>

namespace thermo::cpu {

class CpuContext {
 public:
  // threads = 0: every core the process may use. winograd: 3×3 convolutions with many channels
  // use oneDNN's Winograd kernels (faster; float32 error ~3e-6 instead of ~7e-7 relative).
  // thin_convolutions: 3×3 convolutions with few channels run thermo's own kernels where they fit
  // and the machine has AVX-512 (thin_conv_kernels.hpp).
  explicit CpuContext(int threads, bool winograd = false, bool thin_convolutions = true);

  [[nodiscard]] const dnnl::engine& engine() const { return engine_; }
  [[nodiscard]] dnnl::stream& stream() const { return stream_; }
  [[nodiscard]] int threads() const { return threads_; }
  [[nodiscard]] bool winograd() const { return winograd_; }
  [[nodiscard]] bool thin_convolutions() const { return thin_convolutions_; }

  // Makes OpenMP (oneDNN, our loops) and OpenBLAS on this thread use threads(). Cheap; every
  // public entry point calls it.
  void use_threads() const;

  // Runs a primitive with its arguments on the stream and waits for it.
  void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& arguments) const;

 private:
  int threads_;
  bool winograd_;
  bool thin_convolutions_;
  dnnl::engine engine_;
  mutable dnnl::stream stream_;
};

using ContextPtr = std::shared_ptr<const CpuContext>;

// Throws std::invalid_argument("cpu backend: <what>") when `condition` is false: a caller bug.
void require(bool condition, const std::string& what);

}  // namespace thermo::cpu
