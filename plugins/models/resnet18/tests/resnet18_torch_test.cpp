// ResNet-18 against the PyTorch reference (see tests/models/support/exactness.hpp): width 4,
// 16 samples (fewer units, so the start stays clear of ReLU kinks: see kink_margins in
// bench/reference/thermo_reference.py), a learning rate where the reference follows itself.
#include "../resnet18.hpp"
#include "exactness.hpp"
#include "model_test_support.hpp"

#include <doctest/doctest.h>

using namespace thermo;

TEST_CASE("resnet18 matches the PyTorch reference: iteration 0 and 20 steps of projected GD") {
  std::string why_not;
  const auto python = testing::torch_python(&why_not);
  if (python.empty()) return testing::report_skip(why_not);
  auto backend = testing::load_backend("cpu", 2, &why_not);
  if (!backend) return testing::report_skip(why_not);
  const testing::ExactnessCase test_case{.model = "resnet18",
                                         .channels = 4,
                                         .loss = LossKind::cross_entropy,
                                         .chunk = 16,
                                         .elr = 2e-5,
                                         .steps = 20,
                                         .data_seed = 23,
                                         .train_size = 16,
                                         .test_size = 32};
  const testing::ModelFactory factory = [](const ModelContext& context) -> std::unique_ptr<layers::GraphModel> {
    resnet18::ResNet18Options options;
    options.width = 4;
    return std::make_unique<resnet18::ResNet18>(options, context);
  };
  testing::check_against_reference(test_case, factory, *backend, python);
}
