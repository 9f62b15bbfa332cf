#pragma once
// Checkpoints: a vector in backend memory saved as a flat NumPy .npy file (the parameter vector
// is already in the reference's order, so numpy.load gives what a PyTorch user expects).

#include <thermo/backend.hpp>

#include <filesystem>

namespace thermo::engine {

void write_vector_npy(Backend& backend, ConstVectorView vector, const std::filesystem::path& file);

}  // namespace thermo::engine
