// Fuzzes the .npy reader (framework/src/sdk/npy.cpp): read_npy on a file holding the input, then
// every conversion of what it returned (the array must be as long as its shape says).
#include "fuzz_support.hpp"

#include <thermo/error.hpp>
#include <thermo/npy.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  thermo::fuzz::silence_logging();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = thermo::fuzz::write_scratch_file("array.npy", {data, size});
  try {
    const auto array = thermo::read_npy(file);
    if (array.data.size() != array.count() * thermo::dtype_size(array.dtype)) std::abort();
    if (array.to_f64().size() != array.count() || array.to_f32().size() != array.count()) std::abort();
    if (array.dtype == thermo::DType::i32 && array.to_i32().size() != array.count()) std::abort();
  } catch (const thermo::UserError&) {
  }
  return 0;
}
