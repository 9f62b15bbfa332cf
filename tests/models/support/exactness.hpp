#pragma once
// Exactness of a model against the PyTorch reference (bench/reference, Debian's torch): the same initial
// parameters and data give the same train loss, full gradient and test loss at iteration 0, the
// same losses, gradients and points along 20 steps of full-batch projected gradient descent and
// the same batch-norm running statistics (relative errors <= 1e-4). Each step is taken from
// thermo's own iterate (see run_check in bench/reference/thermo_reference.py for why).
//
// Gradients are compared by their median over the 21 full gradients: float32 rounding (oneDNN's
// or PyTorch's) now and then leaves one of the ~10^6 ReLU / max-pool units on the other side of
// its kink, which moves that gradient by ~1e-3 (measured: about one gradient in four for c=4,
// n=128; the losses, being continuous, do not move). A real error would move every gradient.

#include <thermo/backend.hpp>
#include <thermo/layers/graph_model.hpp>
#include <thermo/model.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace thermo::testing {

struct ExactnessCase {
  std::string model;  // the reference's name: convnet or resnet18
  std::int64_t channels = 4;
  LossKind loss = LossKind::cross_entropy;
  std::int64_t chunk = 1024;  // evaluation chunks of the log step
  double elr = 1e-3;
  int steps = 20;
  std::uint64_t data_seed = 1;
  std::int64_t train_size = 128;
  std::int64_t test_size = 128;
};

using ModelFactory = std::function<std::unique_ptr<layers::GraphModel>(const ModelContext&)>;

// Runs the case with thermo and with bench/reference/run_reference.py --check (through `python`)
// on random CIFAR-shaped data, prints the errors and CHECKs them.
void check_against_reference(const ExactnessCase& test_case, const ModelFactory& make_model, Backend& backend,
                             const std::string& python);

}  // namespace thermo::testing
