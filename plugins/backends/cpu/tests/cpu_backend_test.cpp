// cpu-specific checks: the thread count is honoured (also from another thread), the
// description, PyTorch's refusal of one value per channel in training batch norm, and the two
// pairwise-distance methods agreeing. Op correctness is the conformance suite's (tests/backends).
#include "channel_blocks.hpp"
#include "cpu_backend.hpp"
#include "pairwise_distances.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace thermo::cpu {
namespace {

// Runs one small op so that the backend sets the thread count of the calling thread.
void touch(CpuBackend& backend) {
  auto buffer = backend.allocate(100000, DType::f32);
  backend.fill(buffer->view(), 1.0);
  CHECK(backend.squared_norm(buffer->view()) == 100000.0);
}

TEST_CASE("cpu backend: the thread count is honoured and reported") {
  CpuBackend one(1);
  CHECK(one.threads() == 1);
  CHECK(one.description().find("1 thread,") != std::string::npos);
  CHECK(one.description().find("oneDNN 2.") == 0);
  touch(one);
  CHECK(omp_get_max_threads() == 1);

  CpuBackend two(2);
  CHECK(two.threads() == 2);
  CHECK(two.description().find("2 threads") != std::string::npos);
  touch(two);
  CHECK(omp_get_max_threads() == 2);

  // OpenMP keeps the count per thread: a backend used from another thread sets it there too.
  int seen = 0;
  std::thread worker([&] {
    touch(one);
    seen = omp_get_max_threads();
  });
  worker.join();
  CHECK(seen == 1);

  CpuBackend every(0);
  CHECK(every.threads() == omp_get_num_procs());
}

TEST_CASE("cpu backend: training batch norm refuses a single value per channel, like PyTorch") {
  CpuBackend backend(1);
  auto op = backend.make_batch_norm({4, 1e-5, 0.1, false});
  const Shape4 shape{1, 4, 1, 1};
  Tensor src = backend.create_tensor(shape);
  Tensor dst = backend.create_tensor(shape);
  auto mean = backend.allocate(4, DType::f32);
  auto var = backend.allocate(4, DType::f32);
  CHECK_THROWS_AS(op->forward_training(src, dst, mean->view(), var->view()), UserError);
  // Inference with running statistics is fine.
  backend.fill(var->view(), 1.0);
  op->forward_inference(src, dst, mean->view(), var->view());
}

TEST_CASE("cpu backend: wrong views and shapes are refused with a message, not a crash") {
  CpuBackend backend(1);
  auto conv = backend.make_conv2d({3, 8, 3, 1, 1});
  Tensor src = backend.create_tensor({2, 4, 8, 8});  // 4 channels, the op expects 3
  Tensor dst = backend.create_tensor({2, 8, 8, 8});
  auto weight = backend.allocate(8 * 3 * 9, DType::f32);
  CHECK_THROWS_AS(conv->forward(src, weight->view(), dst), std::invalid_argument);
  auto f32 = backend.allocate(10, DType::f32);
  auto f64 = backend.allocate(11, DType::f64);
  CHECK_THROWS_AS(backend.copy(f32->view(), f64->view()), std::invalid_argument);
  CHECK_THROWS_AS((void)backend.dot(f32->view(), f64->view()), std::invalid_argument);
  auto labels = backend.allocate(3, DType::i32);
  auto samples = backend.allocate(3 * 4, DType::f32);
  Tensor batch = backend.create_tensor({1, 1, 2, 2});
  const std::vector<std::int32_t> outside{5};
  CHECK_THROWS_AS(backend.gather(samples->view(), 4, labels->view(), outside, batch, labels->view()),
                  std::out_of_range);
}

TEST_CASE("cpu backend: the Gram method with its direct fix-up agrees with direct differences") {
  // A drifting trajectory: neighbours 1e-3 apart, spread 0.1 (the fix-up path is taken).
  const std::int64_t count = 100;
  const std::int64_t dim = 5000;
  std::mt19937_64 engine(5);
  std::normal_distribution<double> normal(0.0, 1.0 / std::sqrt(static_cast<double>(dim)));
  std::vector<double> position(static_cast<std::size_t>(dim));
  std::vector<double> heading(static_cast<std::size_t>(dim));
  for (auto& value : position) value = normal(engine);
  for (auto& value : heading) value = normal(engine);
  std::vector<float> rows;
  for (std::int64_t row = 0; row < count; ++row) {
    rows.insert(rows.end(), position.begin(), position.end());
    for (std::size_t k = 0; k < position.size(); ++k) position[k] += 1e-3 * heading[k] + 1e-6 * normal(engine);
  }
  std::copy_n(rows.begin(), dim, rows.begin() + 50 * dim);  // row 50 revisits row 0
  const CpuContext context(2);
  std::vector<double> gram(static_cast<std::size_t>(count * count));
  std::vector<double> direct(gram.size());
  pairwise_squared_distances(context, rows.data(), count, dim, gram, DistanceMethod::gram);
  pairwise_squared_distances(context, rows.data(), count, dim, direct, DistanceMethod::direct);
  double worst = 0.0;
  for (std::size_t index = 0; index < gram.size(); ++index) {
    if (direct[index] == 0.0) {
      CHECK(gram[index] == 0.0);
    } else {
      worst = std::max(worst, std::abs(gram[index] - direct[index]) / direct[index]);
    }
  }
  CHECK(direct[50] == 0.0);
  CHECK(worst < 1e-12);
}

}  // namespace
}  // namespace thermo::cpu

TEST_CASE("cpu backend: layouts that place every element alike are recognised as the same bytes") {
  using dnnl::memory;
  using tag = memory::format_tag;
  auto desc = [](memory::dim channels, tag format) {
    return memory::desc({8, channels, 5, 5}, memory::data_type::f32, format);
  };
  CHECK(thermo::cpu::same_memory_layout(desc(16, tag::nhwc), desc(16, tag::nChw16c)));
  CHECK(thermo::cpu::same_memory_layout(desc(8, tag::nhwc), desc(8, tag::nChw8c)));
  CHECK_FALSE(thermo::cpu::same_memory_layout(desc(32, tag::nhwc), desc(32, tag::nChw16c)));  // two blocks
  CHECK_FALSE(thermo::cpu::same_memory_layout(desc(8, tag::nhwc), desc(8, tag::nChw16c)));    // padded
  CHECK_FALSE(thermo::cpu::same_memory_layout(desc(16, tag::nchw), desc(16, tag::nhwc)));
  CHECK(thermo::cpu::same_memory_layout(desc(1, tag::nchw), desc(1, tag::nhwc)));
  // Another batch size is another layout.
  CHECK_FALSE(thermo::cpu::same_memory_layout(desc(16, tag::nhwc),
                                              memory::desc({4, 16, 5, 5}, memory::data_type::f32, tag::nChw16c)));
}
