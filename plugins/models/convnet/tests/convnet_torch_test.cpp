// ConvNet against the PyTorch reference (see tests/models/support/exactness.hpp).
#include "../convnet.hpp"
#include "exactness.hpp"
#include "model_test_support.hpp"

#include <doctest/doctest.h>

using namespace thermo;

namespace {
testing::ModelFactory convnet_factory(std::int64_t channels, LossKind loss) {
  return [=](const ModelContext& context) -> std::unique_ptr<layers::GraphModel> {
    convnet::ConvNetOptions options;
    options.channels = channels;
    options.loss = loss;
    return std::make_unique<convnet::ConvNet>(options, context);
  };
}
}  // namespace

TEST_CASE("convnet matches the PyTorch reference: iteration 0 and 20 steps of projected GD") {
  std::string why_not;
  const auto python = testing::torch_python(&why_not);
  if (python.empty()) return testing::report_skip(why_not);
  auto backend = testing::load_backend("cpu", 2, &why_not);
  if (!backend) return testing::report_skip(why_not);
  SUBCASE("c=4, cross-entropy, one chunk of 1024") {
    const testing::ExactnessCase test_case{.model = "convnet",
                                           .channels = 4,
                                           .loss = LossKind::cross_entropy,
                                           .chunk = 1024,
                                           .elr = 1e-3,
                                           .steps = 20,
                                           .data_seed = 17};
    testing::check_against_reference(test_case, convnet_factory(4, test_case.loss), *backend, python);
  }
  SUBCASE("c=4, MSE, chunks of 50") {
    const testing::ExactnessCase test_case{.model = "convnet",
                                           .channels = 4,
                                           .loss = LossKind::mse,
                                           .chunk = 50,
                                           .elr = 5e-3,
                                           .steps = 20,
                                           .data_seed = 18};
    testing::check_against_reference(test_case, convnet_factory(4, test_case.loss), *backend, python);
  }
}
