#pragma once
// The machine's float32 multiply-add peak on a number of threads: independent FMA chains in
// registers at the widest vectors the CPU has (AVX-512, AVX2 + FMA, or SSE2 multiply and add),
// no memory traffic. What no convolution of direct FLOPs can beat, so that a benchmark can say
// how far from the machine's limit a step is, and what ratio against the reference direct
// convolutions could reach at best.

namespace thermo::bench {

struct FmaPeak {
  double gflops = 0.0;       // all threads together (2 flops per multiply-add lane)
  const char* vectors = "";  // "avx512", "avx2" or "sse2"
};

// Runs `threads` OpenMP threads for about `seconds` each and adds up their rates.
[[nodiscard]] FmaPeak measure_fma_peak(int threads, double seconds = 0.2);

}  // namespace thermo::bench
