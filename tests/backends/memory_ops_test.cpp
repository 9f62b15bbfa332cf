// Loading, memory, tensors, gather, and the tensor element-wise ops.
#include "conformance_support.hpp"
#include "reference_ops.hpp"

#include <doctest/doctest.h>

#include <numeric>

namespace thermo::conformance {
namespace {

TEST_CASE("conformance: every backend plugin loads and one backend at least is available") {
  for (const auto& error : load_errors()) FAIL_CHECK("backend plugin unusable: " << error);
  REQUIRE_MESSAGE(!backends().empty(), "no backend found in THERMO_PLUGIN_PATH");
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    CHECK(named.backend->name() == named.name);
    CHECK(named.backend->threads() >= 0);  // 0: computes on a device
    CHECK(!named.backend->description().empty());
    MESSAGE(named.name << ": " << named.backend->description());
  }
}

TEST_CASE("memory: upload and download of f32, f64 and i32 vectors") {
  Random random(11);
  const auto values = random.normal(1001);
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    for (const DType dtype : {DType::f32, DType::f64}) {
      const auto buffer = upload_vector(backend, values, dtype);
      CHECK(buffer->size() == values.size());
      CHECK(buffer->dtype() == dtype);
      CHECK(download_vector(backend, buffer->view()) == values);
      // Slices share the owner's memory.
      const auto slice = buffer->view().slice(10, 5);
      CHECK(download_vector(backend, slice) == std::vector<double>(values.begin() + 10, values.begin() + 15));
    }
    const std::vector<std::int32_t> labels{3, -1, 7, 0, 2147483647};
    const auto label_buffer = upload_labels(backend, labels);
    std::vector<std::int32_t> back(labels.size());
    backend.download(label_buffer->view(), back.data());
    CHECK(back == labels);
  }
}

TEST_CASE("tensors: write_tensor and read_tensor round-trip plain NCHW") {
  Random random(12);
  for (const Shape4 shape : {Shape4{1, 1, 1, 1}, Shape4{3, 5, 7, 2}, Shape4{2, 17, 4, 4}}) {
    const auto values = random.normal(static_cast<std::size_t>(shape.count()));
    for (const auto& named : backends()) {
      INFO("backend " << named.name << ", shape " << to_string(shape));
      Backend& backend = *named.backend;
      const Tensor tensor = upload_tensor(backend, shape, values);
      CHECK(tensor.shape() == shape);
      CHECK(download_tensor(backend, tensor) == values);
    }
  }
}

TEST_CASE("gather: a batch of samples and labels at host indices, repeats included") {
  Random random(13);
  const Shape4 sample_shape{1, 2, 3, 3};
  const std::int64_t sample_count = sample_shape.per_sample();
  const std::size_t data_size = 7;
  const auto samples = random.normal(data_size * static_cast<std::size_t>(sample_count));
  const auto labels = random.labels(data_size, 10);
  const std::vector<std::int32_t> indices{6, 0, 3, 3, 1};
  std::vector<double> expected;
  std::vector<std::int32_t> expected_labels;
  for (const auto index : indices) {
    const auto begin = samples.begin() + index * sample_count;
    expected.insert(expected.end(), begin, begin + sample_count);
    expected_labels.push_back(labels[static_cast<std::size_t>(index)]);
  }
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    const auto sample_buffer = upload_vector(backend, samples, DType::f32);
    const auto label_buffer = upload_labels(backend, labels);
    auto batch_labels = backend.allocate(indices.size(), DType::i32);
    Tensor batch = backend.create_tensor(sample_shape.with_batch(static_cast<std::int64_t>(indices.size())));
    backend.gather(sample_buffer->view(), sample_count, label_buffer->view(), indices, batch, batch_labels->view());
    CHECK(batch.shape() == sample_shape.with_batch(5));
    CHECK(download_tensor(backend, batch) == expected);
    std::vector<std::int32_t> got(indices.size());
    backend.download(batch_labels->view(), got.data());
    CHECK(got == expected_labels);
  }
}

TEST_CASE("add and accumulate, also when the operands have different layouts") {
  Random random(14);
  const Shape4 shape{3, 20, 5, 5};
  const Conv2dSpec spec{20, 20, 3, 1, 1};
  const auto a = random.normal(static_cast<std::size_t>(shape.count()));
  const auto x = random.normal(static_cast<std::size_t>(shape.count()));
  const auto weight = random.uniform(static_cast<std::size_t>(spec.weight_count()), -0.1, 0.1);
  // b comes out of a convolution, in whatever layout the backend chose for it.
  const auto b = reference::conv2d_forward(x, shape, weight, spec);
  std::vector<double> sum(a.size());
  for (std::size_t index = 0; index < a.size(); ++index) sum[index] = a[index] + b[index];
  for (const auto& named : backends()) {
    INFO("backend " << named.name);
    Backend& backend = *named.backend;
    const auto weight_buffer = upload_vector(backend, weight, DType::f32);
    auto conv = backend.make_conv2d(spec);
    const Tensor a_tensor = upload_tensor(backend, shape, a);
    const Tensor x_tensor = upload_tensor(backend, shape, x);
    Tensor b_tensor = backend.create_tensor(shape);
    conv->forward(x_tensor, weight_buffer->view(), b_tensor);

    Tensor dst = backend.create_tensor(shape);
    backend.add(a_tensor, b_tensor, dst);
    check_close(download_tensor(backend, dst), sum, 1e-5, "add(plain, conv output)");
    backend.add(b_tensor, a_tensor, dst);
    check_close(download_tensor(backend, dst), sum, 1e-5, "add(conv output, plain)");

    Tensor accumulated = upload_tensor(backend, shape, a);
    backend.accumulate(b_tensor, accumulated);
    check_close(download_tensor(backend, accumulated), sum, 1e-5, "accumulate(conv output into plain)");
    Tensor b_copy = backend.create_tensor(shape);
    conv->forward(x_tensor, weight_buffer->view(), b_copy);
    backend.accumulate(a_tensor, b_copy);
    check_close(download_tensor(backend, b_copy), sum, 1e-5, "accumulate(plain into conv output)");
  }
}

}  // namespace
}  // namespace thermo::conformance
