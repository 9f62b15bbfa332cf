// One training step of the paper's ConvNet(c) at batch 128 (3×32×32 input, cross-entropy) run
// op by op through a backend plugin, fused as the model fuses them on that backend (batch norm +
// ReLU + max pooling where Backend::supports says so, else the pooling apart; the ReLU fusion is
// required): forward, then backward with data and weight gradients of
// every convolution. Prints ms per step (the minimum over repeats: the machine is shared), the
// time per kind of op, and the GFLOP/s the convolutions reach.
//
//   backend_convnet_step_bench [--backend cpu] [--threads 2] [--channels 8,64] [--repeats 20]
//                              [--plugin-dir DIR] [--skip-first-data-gradient] [--winograd]
//                              [--winograd-kernels auto|onednn|thermo] [--no-thin-convolutions]
// --winograd sets the backend parameter `winograd` (cpu: Winograd kernels for wide 3×3 convolutions);
// --winograd-kernels K sets `winograd: true` and `winograd_kernels: K` (cpu: whose kernels);
// --no-thin-convolutions sets `thin_convolutions: false` (cpu: oneDNN for every convolution).
#include "bench_backend.hpp"
#include "command_line.hpp"

#include <thermo/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using thermo::Backend;
using thermo::Shape4;
using thermo::Tensor;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string backend = "cpu";
  std::int64_t threads = 2;
  std::vector<std::int64_t> channels{8, 64};
  int repeats = 20;
  std::filesystem::path plugin_dir = THERMO_BENCH_PLUGIN_DIR;
  bool first_data_gradient = true;
  bool winograd = false;
  std::string winograd_kernels;  // empty: the backend's default
  bool thin_convolutions = true;
};

Options parse(int argc, char** argv) {
  Options options;
  thermo::bench::CommandLine line(argc, argv);
  while (line.next()) {
    const auto& flag = line.flag();
    if (flag == "--backend")
      options.backend = line.value();
    else if (flag == "--threads")
      options.threads = std::stoll(line.value());
    else if (flag == "--repeats")
      options.repeats = std::stoi(line.value());
    else if (flag == "--plugin-dir")
      options.plugin_dir = line.value();
    else if (flag == "--skip-first-data-gradient")
      options.first_data_gradient = false;
    else if (flag == "--winograd")
      options.winograd = true;
    else if (flag == "--winograd-kernels") {
      options.winograd = true;
      options.winograd_kernels = line.value();
    } else if (flag == "--no-thin-convolutions")
      options.thin_convolutions = false;
    else if (flag == "--channels")
      options.channels = thermo::bench::integer_list(line.value());
    else
      throw std::runtime_error("unknown option " + flag);
  }
  return options;
}

double process_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) * 1e-6;
}

// Wall time (and process cpu time) per kind of op over one step.
class Timer {
 public:
  explicit Timer(Backend& backend) : backend_(backend) {}
  template <typename Run>
  void time(const std::string& kind, Run run) {
    const auto start = Clock::now();
    const double cpu_start = process_cpu_ms();
    run();
    backend_.synchronize();
    times_[kind] += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    cpu_times_[kind] += process_cpu_ms() - cpu_start;
  }
  [[nodiscard]] const std::map<std::string, double>& cpu_times() const { return cpu_times_; }
  [[nodiscard]] double total() const {
    double sum = 0.0;
    for (const auto& [kind, ms] : times_) sum += ms;
    return sum;
  }
  [[nodiscard]] const std::map<std::string, double>& times() const { return times_; }

 private:
  Backend& backend_;
  std::map<std::string, double> times_;
  std::map<std::string, double> cpu_times_;
};

struct ConvLayer {
  thermo::Conv2dSpec spec;
  std::unique_ptr<thermo::Conv2dOp> conv;
  std::unique_ptr<thermo::BatchNormOp> norm;  // ReLU and (layers 2-4) max pooling fused, as in the model
  std::unique_ptr<thermo::PoolOp> pool;       // layers 2-4 where the backend does not fuse the pooling
  std::unique_ptr<thermo::DeviceBuffer> weight, diff_weight, running_mean, running_var;
  Shape4 src_shape, conv_shape, out_shape;
  Tensor conv_out, norm_out, pool_out, diff_norm_out, diff_conv_out, diff_src;
  std::string norm_kind;  // the timer's label
  double flops = 0.0;     // forward multiply-adds × 2
};

void run(Backend& backend, std::int64_t width, const Options& options) {
  const std::int64_t batch = 128;
  const std::int64_t classes = 10;
  std::mt19937 engine(1);
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  auto random_buffer = [&](std::size_t count, float bound) {
    std::vector<float> host(count);
    for (auto& value : host) value = bound * uniform(engine);
    auto buffer = backend.allocate(count, thermo::DType::f32);
    backend.upload(host.data(), buffer->view());
    return buffer;
  };

  std::vector<ConvLayer> layers(4);
  Shape4 shape{batch, 3, 32, 32};
  const std::int64_t widths[] = {width, 2 * width, 4 * width, 8 * width};
  for (std::size_t index = 0; index < layers.size(); ++index) {
    auto& layer = layers[index];
    layer.spec = {shape.c, widths[index], 3, 1, 1};
    layer.conv = backend.make_conv2d(layer.spec);
    thermo::BatchNormSpec norm_spec{widths[index], 1e-5, 0.1, true};
    if (!backend.supports(norm_spec)) throw std::runtime_error("the bench needs a backend that fuses bn+relu");
    layer.norm_kind = "bn+relu";
    if (index > 0) {
      norm_spec.fused_max_pool = 2;
      if (backend.supports(norm_spec)) {
        layer.norm_kind = "bn+relu+maxpool";
      } else {
        norm_spec.fused_max_pool = 0;
        layer.pool = backend.make_pool({thermo::PoolKind::max, 2, 2, 0});
      }
    }
    layer.norm = backend.make_batch_norm(norm_spec);
    layer.weight = random_buffer(static_cast<std::size_t>(layer.spec.weight_count()),
                                 1.0F / std::sqrt(static_cast<float>(shape.c * 9)));
    layer.diff_weight = backend.allocate(static_cast<std::size_t>(layer.spec.weight_count()), thermo::DType::f32);
    layer.running_mean = backend.allocate(static_cast<std::size_t>(widths[index]), thermo::DType::f32);
    layer.running_var = backend.allocate(static_cast<std::size_t>(widths[index]), thermo::DType::f32);
    backend.fill(layer.running_var->view(), 1.0);
    layer.src_shape = shape;
    layer.conv_shape = layer.spec.output_shape(shape);
    layer.flops = 2.0 * static_cast<double>(layer.conv_shape.count() * shape.c * 9);
    shape = layer.conv_shape;
    if (index > 0) shape = thermo::PoolSpec{thermo::PoolKind::max, 2, 2, 0}.output_shape(shape);
    layer.out_shape = shape;
    layer.conv_out = backend.create_tensor(layer.conv_shape);
    layer.norm_out = backend.create_tensor(layer.pool ? layer.conv_shape : shape);
    if (layer.pool) {
      layer.pool_out = backend.create_tensor(shape);
      layer.diff_norm_out = backend.create_tensor(layer.conv_shape);
    }
    layer.diff_conv_out = backend.create_tensor(layer.conv_shape);
    layer.diff_src = backend.create_tensor(layer.src_shape);
  }
  const thermo::PoolSpec final_pool_spec{thermo::PoolKind::max, 4, 4, 0};
  auto final_pool = backend.make_pool(final_pool_spec);
  const Shape4 pooled = final_pool_spec.output_shape(shape);  // batch × 8c × 1 × 1
  const thermo::LinearSpec head_spec{8 * width, classes, true};
  auto head = backend.make_linear(head_spec);
  auto head_weight = random_buffer(static_cast<std::size_t>(8 * width * classes), 0.1F);
  auto head_bias = random_buffer(static_cast<std::size_t>(classes), 0.1F);
  auto loss = backend.make_loss(thermo::LossKind::cross_entropy, classes);
  std::vector<std::int32_t> host_labels(batch);
  for (std::int64_t index = 0; index < batch; ++index)
    host_labels[static_cast<std::size_t>(index)] = static_cast<std::int32_t>(index % classes);
  auto labels = backend.allocate(static_cast<std::size_t>(batch), thermo::DType::i32);
  backend.upload(host_labels.data(), labels->view());

  std::vector<float> host_input(static_cast<std::size_t>(batch * 3 * 32 * 32));
  for (auto& value : host_input) value = uniform(engine);
  Tensor input = backend.create_tensor({batch, 3, 32, 32});
  backend.write_tensor(host_input.data(), input);
  Tensor pooled_out = backend.create_tensor(pooled);
  Tensor logits = backend.create_tensor({batch, classes, 1, 1});
  Tensor diff_logits = backend.create_tensor({batch, classes, 1, 1});
  Tensor diff_pooled = backend.create_tensor(pooled);
  Tensor diff_last = backend.create_tensor(shape);

  double best_total = 1e300;
  double best_cpu = 1e300;
  std::map<std::string, double> best_times;
  std::map<std::string, double> best_cpu_times;  // per kind, the minimum over repeats
  double loss_value = 0.0;
  for (int repeat = 0; repeat < options.repeats + 3; ++repeat) {  // 3 warm-up steps
    Timer timer(backend);
    const double cpu_start = process_cpu_ms();
    const Tensor* src = &input;
    for (auto& layer : layers) {
      timer.time("conv forward", [&] { layer.conv->forward(*src, layer.weight->view(), layer.conv_out); });
      timer.time(layer.norm_kind + " forward", [&] {
        layer.norm->forward_training(layer.conv_out, layer.norm_out, layer.running_mean->view(),
                                     layer.running_var->view());
      });
      src = &layer.norm_out;
      if (layer.pool) {
        timer.time("maxpool forward", [&] { layer.pool->forward(layer.norm_out, layer.pool_out, true); });
        src = &layer.pool_out;
      }
    }
    timer.time("maxpool forward", [&] { final_pool->forward(*src, pooled_out, true); });
    timer.time("linear+loss", [&] {
      head->forward(pooled_out, head_weight->view(), head_bias->view(), logits);
      loss_value = loss->forward(logits, labels->view()).sum;
      loss->backward(1.0 / static_cast<double>(batch), diff_logits);
      head->backward_data(diff_logits, head_weight->view(), diff_pooled);
    });
    timer.time("maxpool backward", [&] { final_pool->backward(diff_pooled, diff_last); });
    const Tensor* diff = &diff_last;
    for (std::size_t index = layers.size(); index-- > 0;) {
      auto& layer = layers[index];
      const Tensor& layer_src = index == 0               ? input
                                : layers[index - 1].pool ? layers[index - 1].pool_out
                                                         : layers[index - 1].norm_out;
      if (layer.pool) {
        timer.time("maxpool backward", [&] { layer.pool->backward(*diff, layer.diff_norm_out); });
        diff = &layer.diff_norm_out;
      }
      timer.time(layer.norm_kind + " backward", [&] { layer.norm->backward(*diff, layer.diff_conv_out); });
      timer.time("conv backward weights",
                 [&] { layer.conv->backward_weights(layer_src, layer.diff_conv_out, layer.diff_weight->view()); });
      if (index > 0 || options.first_data_gradient) {
        timer.time("conv backward data",
                   [&] { layer.conv->backward_data(layer.diff_conv_out, layer.weight->view(), layer.diff_src); });
      }
      diff = &layer.diff_src;
    }
    if (repeat >= 3) {
      best_cpu = std::min(best_cpu, process_cpu_ms() - cpu_start);
      for (const auto& [kind, ms] : timer.cpu_times()) {
        best_cpu_times[kind] = best_cpu_times.count(kind) != 0 ? std::min(best_cpu_times[kind], ms) : ms;
      }
    }
    if (repeat >= 3 && timer.total() < best_total) {
      best_total = timer.total();
      best_times = timer.times();
    }
  }
  double forward_flops = 0.0;
  double first_flops = layers[0].flops;
  for (const auto& layer : layers) forward_flops += layer.flops;
  const double backward_data_flops = options.first_data_gradient ? forward_flops : forward_flops - first_flops;
  const double conv_flops = 2.0 * forward_flops + backward_data_flops;
  const double conv_ms =
      best_times["conv forward"] + best_times["conv backward data"] + best_times["conv backward weights"];
  std::cout << fmt::format(
      "ConvNet({}) batch {}, {}: {:.2f} ms per step (min of {}; {:.2f} ms of process cpu time), "
      "loss {:.4f}\n",
      width, batch, backend.description(), best_total, options.repeats, best_cpu,
      loss_value / static_cast<double>(batch));
  std::cout << fmt::format(
      "  convolutions: {:.2f} ms, {:.3f} GFLOP, {:.1f} GFLOP/s (forward {:.1f}, backward data "
      "{:.1f}, backward weights {:.1f} GFLOP/s)\n",
      conv_ms, conv_flops * 1e-9, conv_flops / conv_ms * 1e-6, forward_flops / best_times["conv forward"] * 1e-6,
      backward_data_flops / std::max(best_times["conv backward data"], 1e-9) * 1e-6,
      forward_flops / best_times["conv backward weights"] * 1e-6);
  for (const auto& [kind, ms] : best_times) {
    std::cout << fmt::format("  {:<22} {:8.2f} ms ({:4.1f}%), cpu time {:8.2f} ms\n", kind, ms, 100.0 * ms / best_total,
                             best_cpu_times[kind]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    std::map<std::string, thermo::ParamValue> extra;
    if (options.winograd) extra["winograd"] = thermo::ParamValue{true};
    if (!options.winograd_kernels.empty()) extra["winograd_kernels"] = thermo::ParamValue{options.winograd_kernels};
    if (!options.thin_convolutions) extra["thin_convolutions"] = thermo::ParamValue{false};
    auto backend = thermo::bench::load_backend(options.plugin_dir, options.backend, options.threads, extra);
    for (const auto width : options.channels) run(*backend, width, options);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
