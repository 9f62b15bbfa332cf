#include "cpu_context.hpp"

#include "thin_conv_kernels.hpp"

#include <cblas.h>
#include <omp.h>

#include <stdexcept>

namespace thermo::cpu {

CpuContext::CpuContext(int threads, WinogradRequest winograd, bool thin_convolutions)
    : threads_(threads > 0 ? threads : omp_get_num_procs()),
      winograd_(winograd),
      thin_convolutions_(thin_convolutions && thin_conv::machine_supports()),
      engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_) {
  use_threads();
}

void CpuContext::use_threads() const {
  if (omp_get_max_threads() != threads_) omp_set_num_threads(threads_);
  if (openblas_get_num_threads() != threads_) openblas_set_num_threads(threads_);
}

void CpuContext::execute(const dnnl::primitive& primitive,
                         const std::unordered_map<int, dnnl::memory>& arguments) const {
  primitive.execute(stream_, arguments);
  stream_.wait();
}

void require(bool condition, const std::string& what) {
  if (!condition) throw std::invalid_argument("cpu backend: " + what);
}

}  // namespace thermo::cpu
