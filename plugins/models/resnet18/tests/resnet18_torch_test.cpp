// ResNet-18 against the PyTorch reference (see tests/models/support/exactness.hpp).
#include "../resnet18.hpp"
#include "exactness.hpp"
#include "model_test_support.hpp"

#include <doctest/doctest.h>

using namespace thermo;

TEST_CASE("resnet18 matches the PyTorch reference: iteration 0 and 10 steps of projected GD") {
  std::string why_not;
  const auto python = testing::torch_python(&why_not);
  if (python.empty()) return testing::report_skip(why_not);
  auto backend = testing::load_backend("cpu", 2, &why_not);
  if (!backend) return testing::report_skip(why_not);
  const testing::ExactnessCase test_case{.model = "resnet18",
                                         .channels = 4,
                                         .loss = LossKind::cross_entropy,
                                         .chunk = 16,
                                         .elr = 2e-3,
                                         .steps = 10,
                                         .data_seed = 21,
                                         .train_size = 32,
                                         .test_size = 32};
  const testing::ModelFactory factory = [](const ModelContext& context) -> std::unique_ptr<layers::GraphModel> {
    resnet18::ResNet18Options options;
    options.width = 4;
    return std::make_unique<resnet18::ResNet18>(options, context);
  };
  testing::check_against_reference(test_case, factory, *backend, python);
}
