#pragma once
// Exactness of a model against the PyTorch reference (bench/reference, Debian's torch): the same
// initial parameters and data give the same train loss, full gradient, test loss and running
// statistics at iteration 0 (relative error <= 1e-4; vectors: norm of the difference over norm of
// the reference), and the same trajectory of `steps` steps of full-batch projected gradient
// descent (losses, gradients and points along it, running statistics and test loss after it):
// within 1e-4 or within 4× how far the reference strays from itself when its start is perturbed
// by 1e-7, whichever is larger. The loss is piecewise smooth (ReLU, max pooling): at large steps
// float32 rounding alone makes any two implementations part (a unit crosses its kink), so the
// cases use learning rates where the reference's own spread stays below 1e-4 and the criterion
// is 1e-4. THERMO_KEEP_EXACTNESS_DIR=1 keeps the inputs (bench/reference/README.md).

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
