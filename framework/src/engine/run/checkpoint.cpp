#include "run/checkpoint.hpp"

#include <thermo/npy.hpp>

#include <cstddef>
#include <vector>

namespace thermo::engine {

void write_vector_npy(Backend& backend, ConstVectorView vector, const std::filesystem::path& file) {
  std::vector<std::byte> host(vector.bytes());
  backend.download(vector, host.data());
  const std::int64_t shape[1] = {static_cast<std::int64_t>(vector.size)};
  write_npy(file, vector.dtype, shape, host.data());
}

}  // namespace thermo::engine
