#pragma once
// What every op of the cpu backend shares: the oneDNN engine and stream, and the thread count
// (set on the calling thread before each op, since OpenMP keeps the count per thread).

#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <string>
#include <unordered_map>

namespace thermo::cpu {

// Which Winograd kernels the backend's `winograd` setting asks for: none; the best this machine has
// (oneDNN's with AVX-512, else thermo's with AVX2: winograd_kernels in cpu_ops.hpp); or one of the
// two by name (the `winograd_kernels` setting: comparisons, and tests of thermo's kernels on
// AVX-512 machines). Asking by name for kernels the machine lacks is refused by the plugin.
enum class WinogradRequest { none, best, onednn, thermo };

class CpuContext {
 public:
  // threads = 0: every core the process may use. winograd: 3×3 convolutions with many channels
  // use Winograd kernels (faster; float32 error ~3e-6 instead of ~7e-7 relative).
  // thin_convolutions: 3×3 convolutions with few channels run thermo's own kernels where they fit
  // and the machine has AVX-512 (thin_conv_kernels.hpp).
  explicit CpuContext(int threads, WinogradRequest winograd = WinogradRequest::none, bool thin_convolutions = true);

  [[nodiscard]] const dnnl::engine& engine() const { return engine_; }
  [[nodiscard]] dnnl::stream& stream() const { return stream_; }
  [[nodiscard]] int threads() const { return threads_; }
  [[nodiscard]] bool winograd() const { return winograd_ != WinogradRequest::none; }
  [[nodiscard]] WinogradRequest winograd_request() const { return winograd_; }
  [[nodiscard]] bool thin_convolutions() const { return thin_convolutions_; }

  // Makes OpenMP (oneDNN, our loops) and OpenBLAS on this thread use threads(). Cheap; every
  // public entry point calls it.
  void use_threads() const;

  // Runs a primitive with its arguments on the stream and waits for it.
  void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& arguments) const;

 private:
  int threads_;
  WinogradRequest winograd_;
  bool thin_convolutions_;
  dnnl::engine engine_;
  mutable dnnl::stream stream_;
};

using ContextPtr = std::shared_ptr<const CpuContext>;

// Throws std::invalid_argument("cpu backend: <what>") when `condition` is false: a caller bug.
void require(bool condition, const std::string& what);

}  // namespace thermo::cpu
