// The memory a model holds across the batch sizes of a log step: ConvNet(c) through a backend
// plugin does one training step at batch 128, then a training-mode pass with gradients over the
// training set in chunks (1024, ..., a partial last chunk), then an evaluation-mode pass over the
// test set in chunks (another partial last chunk). Run it under `/usr/bin/time -v` and read
// "Maximum resident set size"; it prints the time of each phase and the resident set after it.
//
//   backend_model_memory_bench [--backend cpu] [--threads 2] [--channels 64] [--train 5000]
//                              [--test 3000] [--chunk 1024] [--batch 128] [--plugin-dir DIR]
#include "../../plugins/models/convnet/convnet.hpp"
#include "bench_backend.hpp"

#include <thermo/dataset.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string backend = "cpu";
  std::int64_t threads = 2;
  std::int64_t channels = 64;
  std::int64_t train = 5000;
  std::int64_t test = 3000;
  std::int64_t chunk = 1024;
  std::int64_t batch = 128;
  std::filesystem::path plugin_dir = THERMO_BENCH_PLUGIN_DIR;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int index = 1; index < argc; ++index) {
    const std::string flag = argv[index];
    if (index + 1 >= argc) throw std::runtime_error(flag + " needs a value");
    const std::string value = argv[++index];
    if (flag == "--backend")
      options.backend = value;
    else if (flag == "--threads")
      options.threads = std::stoll(value);
    else if (flag == "--channels")
      options.channels = std::stoll(value);
    else if (flag == "--train")
      options.train = std::stoll(value);
    else if (flag == "--test")
      options.test = std::stoll(value);
    else if (flag == "--chunk")
      options.chunk = std::stoll(value);
    else if (flag == "--batch")
      options.batch = std::stoll(value);
    else if (flag == "--plugin-dir")
      options.plugin_dir = value;
    else
      throw std::runtime_error("unknown option " + flag);
  }
  return options;
}

// Standard-normal CIFAR-shaped images with random labels.
class SyntheticImages final : public thermo::Dataset {
 public:
  SyntheticImages(std::int64_t train, std::int64_t test) {
    info_.name = "synthetic";
    std::mt19937 engine(7);
    std::normal_distribution<float> normal;
    std::uniform_int_distribution<std::int32_t> label(0, static_cast<std::int32_t>(info_.classes) - 1);
    for (auto [split, size] : {std::pair{&train_, train}, std::pair{&test_, test}}) {
      split->size = size;
      split->samples_f32.resize(static_cast<std::size_t>(size * info_.sample_count()));
      for (auto& value : split->samples_f32) value = normal(engine);
      split->labels.resize(static_cast<std::size_t>(size));
      for (auto& value : split->labels) value = label(engine);
    }
  }
  [[nodiscard]] const thermo::DatasetInfo& info() const override { return info_; }
  [[nodiscard]] const thermo::DataSplit& split(thermo::Split which) const override {
    return which == thermo::Split::train ? train_ : test_;
  }

 private:
  thermo::DatasetInfo info_;
  thermo::DataSplit train_, test_;
};

// Resident and peak resident set of this process, in MiB (from /proc/self/status).
std::string memory_now() {
  std::ifstream status("/proc/self/status");
  std::string line, resident, peak;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) resident = line.substr(6);
    if (line.rfind("VmHWM:", 0) == 0) peak = line.substr(6);
  }
  auto mib = [](const std::string& kib) { return std::stod(kib) / 1024.0; };
  return fmt::format("resident {:.0f} MiB, peak {:.0f} MiB", mib(resident), mib(peak));
}

void chunked_pass(thermo::Model& model, thermo::Split split, std::int64_t size, std::int64_t chunk, bool gradient) {
  std::vector<std::int32_t> indices(static_cast<std::size_t>(size));
  std::iota(indices.begin(), indices.end(), 0);
  for (std::int64_t start = 0; start < size; start += chunk) {
    const auto count = std::min(chunk, size - start);
    const std::span<const std::int32_t> part(indices.data() + start, static_cast<std::size_t>(count));
    model.evaluate_batch({split, part}, gradient ? thermo::Mode::training : thermo::Mode::evaluation, gradient);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    auto backend = thermo::bench::load_backend(options.plugin_dir, options.backend, options.threads);
    auto images = std::make_shared<SyntheticImages>(options.train, options.test);
    thermo::ResidentData data(*backend, images);
    thermo::convnet::ConvNetOptions model_options;
    model_options.width = options.channels;
    thermo::convnet::ConvNet model(model_options, {*backend, images->info(), &data, thermo::LossKind::cross_entropy});
    std::cout << fmt::format("ConvNet({}), {} parameters, {}; after setup: {}", options.channels,
                             model.parameters().size, backend->description(), memory_now())
              << std::endl;

    auto phase = [&](const std::string& what, auto run) {
      const auto start = Clock::now();
      run();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      std::cout << fmt::format("{}: {:.1f} s; {}", what, seconds, memory_now()) << std::endl;
    };
    phase(fmt::format("training step at batch {}", options.batch), [&] {
      std::vector<std::int32_t> indices(static_cast<std::size_t>(options.batch));
      std::iota(indices.begin(), indices.end(), 0);
      model.evaluate_batch({thermo::Split::train, indices}, thermo::Mode::training, true);
    });
    phase(fmt::format("training mode with gradients over {} samples in chunks of {}", options.train, options.chunk),
          [&] { chunked_pass(model, thermo::Split::train, options.train, options.chunk, true); });
    phase(fmt::format("evaluation mode over {} samples in chunks of {}", options.test, options.chunk),
          [&] { chunked_pass(model, thermo::Split::test, options.test, options.chunk, false); });
    phase(fmt::format("training step at batch {} again", options.batch), [&] {
      std::vector<std::int32_t> indices(static_cast<std::size_t>(options.batch));
      std::iota(indices.begin(), indices.end(), 0);
      model.evaluate_batch({thermo::Split::train, indices}, thermo::Mode::training, true);
    });
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
