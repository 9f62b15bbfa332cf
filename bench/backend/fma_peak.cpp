#include "fma_peak.hpp"

#include <omp.h>

#include <chrono>
#include <vector>

namespace thermo::bench {
namespace {

using Clock = std::chrono::steady_clock;

// GCC vector types of 16, 8 and 4 floats; `x * scale + shift` contracts to one multiply-add
// where the target has it (-ffp-contract=fast, GCC's default outside ISO C).
using Floats16 = float __attribute__((vector_size(64)));
using Floats8 = float __attribute__((vector_size(32)));
using Floats4 = float __attribute__((vector_size(16)));

// Twelve chains: enough to cover the multiply-add latency (4-5 cycles) of two pipes, few enough
// for AVX2's 16 registers.
constexpr int kChains = 12;
constexpr long kRoundsPerCheck = 1 << 16;

// Flops per second of one thread running the chains for about `seconds`; their values go to
// `sink` so that the compiler keeps the arithmetic.
template <typename Vector>
double chains_rate(double seconds, volatile float* sink) {
  constexpr int kLanes = sizeof(Vector) / sizeof(float);
  const Vector scale = Vector{} + 0.999999F, shift = Vector{} + 1e-7F;
  Vector chains[kChains];
  for (auto& chain : chains) chain = Vector{} + 1.0F;
  long rounds = 0;
  const auto begin = Clock::now();
  double elapsed = 0.0;
  while (elapsed < seconds) {
    for (long round = 0; round < kRoundsPerCheck; ++round) {
#pragma GCC unroll 12
      for (auto& chain : chains) chain = chain * scale + shift;
    }
    rounds += kRoundsPerCheck;
    elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  }
  float total = 0.0F;
  for (const auto& chain : chains) total += chain[0];
  *sink = total;
  return static_cast<double>(rounds) * kChains * kLanes * 2.0 / elapsed;
}

// The same loop compiled for each vector width (flatten: chains_rate is compiled into each).
__attribute__((target("avx512f"), flatten)) double avx512_rate(double seconds, volatile float* sink) {
  return chains_rate<Floats16>(seconds, sink);
}
__attribute__((target("avx2,fma"), flatten)) double avx2_rate(double seconds, volatile float* sink) {
  return chains_rate<Floats8>(seconds, sink);
}
__attribute__((flatten)) double sse2_rate(double seconds, volatile float* sink) {
  return chains_rate<Floats4>(seconds, sink);
}

}  // namespace

FmaPeak measure_fma_peak(int threads, double seconds) {
  FmaPeak peak;
  const bool avx512 = __builtin_cpu_supports("avx512f") != 0;
  const bool avx2 = !avx512 && __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("fma") != 0;
  peak.vectors = avx512 ? "avx512" : avx2 ? "avx2" : "sse2";
  std::vector<double> rates(static_cast<std::size_t>(threads), 0.0);
  std::vector<float> sinks(static_cast<std::size_t>(threads), 0.0F);
#pragma omp parallel num_threads(threads)
  {
    const auto thread = static_cast<std::size_t>(omp_get_thread_num());
    volatile float* sink = &sinks[thread];
    rates[thread] = avx512 ? avx512_rate(seconds, sink) : avx2 ? avx2_rate(seconds, sink) : sse2_rate(seconds, sink);
  }
  for (const double rate : rates) peak.gflops += rate * 1e-9;
  return peak;
}

}  // namespace thermo::bench
