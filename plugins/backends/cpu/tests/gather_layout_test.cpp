// The gather writes the layout the batch's reader converts it to: after a thin first convolution
// has read the batch channels-last once, later gathers write channels-last (no reorder left on
// the input), with the same values and bitwise the same convolution results as from NCHW; a
// first convolution that reads NCHW gets NCHW.
#include "cpu_backend.hpp"
#include "cpu_memory.hpp"

#include <doctest/doctest.h>

#include <random>
#include <vector>

namespace thermo::cpu {
namespace {

std::vector<float> read(Backend& backend, const Tensor& tensor) {
  std::vector<float> host(static_cast<std::size_t>(tensor.shape().count()));
  backend.read_tensor(tensor, host.data());
  return host;
}

std::vector<float> read(Backend& backend, const DeviceBuffer& buffer) {
  std::vector<float> host(buffer.view().size);
  backend.download(buffer.view(), host.data());
  return host;
}

struct Data {
  std::unique_ptr<DeviceBuffer> samples, labels, batch_labels;
  std::vector<float> host;
};

Data make_data(Backend& backend, std::int64_t count, std::int64_t sample_count) {
  std::mt19937 engine(7);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  Data data;
  data.host.resize(static_cast<std::size_t>(count * sample_count));
  for (auto& value : data.host) value = uniform(engine);
  data.samples = backend.allocate(data.host.size(), DType::f32);
  backend.upload(data.host.data(), data.samples->view());
  std::vector<std::int32_t> labels(static_cast<std::size_t>(count));
  for (std::size_t index = 0; index < labels.size(); ++index) labels[index] = static_cast<std::int32_t>(index);
  data.labels = backend.allocate(labels.size(), DType::i32);
  backend.upload(labels.data(), data.labels->view());
  data.batch_labels = backend.allocate(labels.size(), DType::i32);
  return data;
}

// The NCHW values of the samples at `indices`.
std::vector<float> expected_batch(const Data& data, const std::vector<std::int32_t>& indices,
                                  std::int64_t sample_count) {
  std::vector<float> batch;
  for (const auto index : indices) {
    const auto begin = data.host.begin() + index * sample_count;
    batch.insert(batch.end(), begin, begin + sample_count);
  }
  return batch;
}

// Gathers the same batches twice through a first convolution and its weight gradient; checks
// the values of every gather and that the second round gives bitwise the first's results.
// Returns the layout of each gather.
std::vector<dnnl::memory::desc> check_two_rounds(std::int64_t out_channels) {
  CpuBackend backend(1);
  const Shape4 sample{1, 3, 8, 8};
  const auto sample_count = sample.per_sample();
  Data data = make_data(backend, 6, sample_count);
  auto conv = backend.make_conv2d({3, out_channels, 3, 1, 1});
  const auto weight_count = static_cast<std::size_t>(out_channels * 3 * 9);
  auto weight = backend.allocate(weight_count, DType::f32);
  std::vector<float> host_weight(weight_count);
  for (std::size_t index = 0; index < weight_count; ++index)
    host_weight[index] = 0.01F * static_cast<float>(index % 17);
  backend.upload(host_weight.data(), weight->view());
  auto diff_weight = backend.allocate(weight_count, DType::f32);

  Tensor input = backend.create_tensor(sample.with_batch(4));
  Tensor output = backend.create_tensor({4, out_channels, 8, 8});
  std::vector<dnnl::memory::desc> layouts;
  std::vector<std::vector<float>> results;
  const std::vector<std::vector<std::int32_t>> batches{{5, 0, 2, 2}, {3, 1, 4}};  // two batch sizes
  for (int round = 0; round < 2; ++round) {
    for (const auto& batch : batches) {
      backend.gather(data.samples->view(), sample_count, data.labels->view(), batch, input, data.batch_labels->view());
      layouts.push_back(storage_of(input).desc());
      CHECK(read(backend, input) == expected_batch(data, batch, sample_count));
      conv->forward(input, weight->view(), output);
      results.push_back(read(backend, output));
      conv->backward_weights(input, output, diff_weight->view());  // output as the diff: any values do
      results.push_back(read(backend, *diff_weight));
    }
  }
  const auto half = results.size() / 2;
  for (std::size_t index = 0; index < half; ++index) CHECK(results[index] == results[half + index]);
  return layouts;
}

TEST_CASE("cpu backend: gather writes channels-last once a thin first convolution has read the batch so") {
  const auto layouts = check_two_rounds(4);       // ResNet-18(4)'s first layer runs channels-last
  CHECK(layouts[0] == plain_desc({4, 3, 8, 8}));  // nobody has read it yet
  CHECK(layouts[1] == channels_last_desc({3, 3, 8, 8}));
  CHECK(layouts[2] == channels_last_desc({4, 3, 8, 8}));
  CHECK(layouts[3] == channels_last_desc({3, 3, 8, 8}));
}

TEST_CASE("cpu backend: gather stays NCHW for first convolutions that read NCHW") {
  // ConvNet(8)'s first layer (it writes nChw8c) and a wide one (oneDNN's choice).
  for (const std::int64_t out_channels : {8, 32}) {
    CAPTURE(out_channels);
    const auto layouts = check_two_rounds(out_channels);
    for (std::size_t index = 0; index < layouts.size(); ++index) {
      CHECK(layouts[index] == plain_desc({index % 2 == 0 ? 4 : 3, 3, 8, 8}));
    }
  }
}

}  // namespace
}  // namespace thermo::cpu
