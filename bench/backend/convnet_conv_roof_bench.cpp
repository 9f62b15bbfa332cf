// The practical roof of a ConvNet(c) training step on the cpu: every convolution of the step
// (batch 128: 3→c at 32×32, c→2c at 32×32, 2c→4c at 16×16, 4c→8c at 8×8; forward, backward
// weights, and backward data except the first layer's, which a model does not need) run alone
// on oneDNN with `any` memory descriptors, every tensor already in the layout oneDNN chose for
// it: no reorder is timed. Direct convolutions (the cpu backend's default), or with --winograd
// Winograd where the backend's `winograd` setting takes it (oneDNN's: winograd_fits,
// pass_algorithm; thermo's own on machines without AVX-512, or with --winograd-kernels thermo:
// winograd::fits, channels-last; --winograd-kernels onednn|thermo implies --winograd), the same OpenMP thread count as
// the backend (its CpuContext). Prints the mean and the minimum over repeats of the convolutions' time per step, per
// pass the minimum and oneDNN's implementation, and the machine's multiply-add peak on the same threads (fma_peak.hpp)
// with the time the step's direct-convolution FLOPs take at that peak; with --json one JSON line per width
// (bench/compare_with_reference.py reads it).
//
//   backend_convnet_conv_roof_bench [--threads 2] [--channels 8,64] [--repeats 20] [--warmup 3] [--winograd]
//                                  [--winograd-kernels auto|onednn|thermo] [--json]
#include "command_line.hpp"
#include "cpu_context.hpp"
#include "cpu_ops.hpp"
#include "fma_peak.hpp"
#include "winograd_kernels.hpp"

#include <fmt/format.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using dnnl::memory;
using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 2;
  std::vector<std::int64_t> channels{8, 64};
  int repeats = 20;
  int warmup = 3;
  bool json = false;
  thermo::cpu::WinogradRequest winograd = thermo::cpu::WinogradRequest::none;
};

Options parse(int argc, char** argv) {
  Options options;
  thermo::bench::CommandLine line(argc, argv);
  while (line.next()) {
    const auto& flag = line.flag();
    if (flag == "--threads") {
      options.threads = std::stoi(line.value());
    } else if (flag == "--repeats") {
      options.repeats = std::stoi(line.value());
    } else if (flag == "--warmup") {
      options.warmup = std::stoi(line.value());
    } else if (flag == "--winograd") {
      if (options.winograd == thermo::cpu::WinogradRequest::none) {
        options.winograd = thermo::cpu::winograd_request(true, "auto");
      }
    } else if (flag == "--winograd-kernels") {
      options.winograd = thermo::cpu::winograd_request(true, line.value());
    } else if (flag == "--json") {
      options.json = true;
    } else if (flag == "--channels") {
      options.channels = thermo::bench::integer_list(line.value());
    } else {
      throw std::runtime_error("unknown option " + flag);
    }
  }
  if (options.threads < 1 || options.repeats < 1 || options.warmup < 0 || options.channels.empty()) {
    throw std::runtime_error("--threads and --repeats must be positive, --warmup not negative, --channels not empty");
  }
  return options;
}

// One primitive with its arguments, each memory in the layout the primitive chose; or, where the
// backend runs thermo's own Winograd kernels, `own`: that kernel on channels-last buffers.
struct Pass {
  std::string name;  // "layer 1 backward data"
  std::string implementation;
  double flops = 0.0;
  dnnl::primitive primitive;
  std::unordered_map<int, memory> arguments;
  double best_ms = 1e300;
  std::function<void()> own{};
};

// Random values in [-1, 1], shared by the lambdas of thermo's own passes.
std::shared_ptr<std::vector<float>> random_buffer(std::int64_t count) {
  static std::mt19937 engine{2};
  std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
  auto buffer = std::make_shared<std::vector<float>>(static_cast<std::size_t>(count));
  for (auto& value : *buffer) value = uniform(engine);
  return buffer;
}

// Forward, backward weights and backward data of one layer on thermo's Winograd kernels (the
// backend's rule: winograd_kernels, winograd::fits).
struct OwnPasses {
  Pass forward;
  Pass weights;
  Pass data;
};
OwnPasses own_winograd_passes(const thermo::cpu::CpuContext& context, const thermo::cpu::winograd::Geometry& geometry,
                              const std::string& label, double flops) {
  const std::int64_t pixels = geometry.batch * geometry.height * geometry.width;
  auto src = random_buffer(pixels * geometry.in_channels);
  auto dst = random_buffer(pixels * geometry.out_channels);
  auto weight = random_buffer(geometry.out_channels * geometry.in_channels * 9);
  const std::string implementation =
      fmt::format("thermo winograd {}, channels-last", thermo::cpu::winograd::algorithm_name(geometry));
  const int threads = context.threads();
  OwnPasses passes;
  passes.forward = {label + " forward", implementation, flops, {}, {}, 1e300, [=] {
                      thermo::cpu::winograd::forward(src->data(), weight->data(), dst->data(), geometry, threads);
                    }};
  passes.weights = {label + " backward weights", implementation, flops, {}, {}, 1e300, [=] {
                      thermo::cpu::winograd::backward_weights(src->data(), dst->data(), weight->data(), geometry,
                                                              threads);
                    }};
  passes.data = {label + " backward data", implementation, flops, {}, {}, 1e300, [=] {
                   thermo::cpu::winograd::backward_data(dst->data(), weight->data(), src->data(), geometry, threads);
                 }};
  return passes;
}

class RandomFill {
 public:
  memory make(const memory::desc& desc, const dnnl::engine& engine) {
    memory result(desc, engine);
    auto* values = static_cast<float*>(result.get_data_handle());
    const std::size_t count = desc.get_size() / sizeof(float);
    for (std::size_t index = 0; index < count; ++index) values[index] = uniform_(engine_);
    return result;
  }

 private:
  std::mt19937 engine_{1};
  std::uniform_real_distribution<float> uniform_{-1.0F, 1.0F};
};

std::vector<Pass> make_passes(const thermo::cpu::CpuContext& context, std::int64_t width) {
  const memory::dim batch = 128;
  struct Layer {
    memory::dim in, out, size;
  };
  const std::vector<Layer> layers{
      {3, width, 32}, {width, 2 * width, 32}, {2 * width, 4 * width, 16}, {4 * width, 8 * width, 8}};
  const auto f32 = memory::data_type::f32;
  const auto any = memory::format_tag::any;
  const memory::dims unit{1, 1};
  const memory::dims padding{1, 1};
  const auto& engine = context.engine();
  RandomFill fill;
  std::vector<Pass> forward;
  std::vector<Pass> backward;
  for (std::size_t index = 0; index < layers.size(); ++index) {
    const auto& layer = layers[index];
    const memory::desc src({batch, layer.in, layer.size, layer.size}, f32, any);
    const memory::desc weights({layer.out, layer.in, 3, 3}, f32, any);
    const memory::desc dst({batch, layer.out, layer.size, layer.size}, f32, any);
    const double flops = 2.0 * static_cast<double>(batch * layer.out * layer.size * layer.size * layer.in * 9);
    const auto label = fmt::format("layer {} ({}→{} at {}×{})", index, layer.in, layer.out, layer.size, layer.size);
    const thermo::Conv2dSpec spec{layer.in, layer.out, 3, 1, 1};
    if (thermo::cpu::winograd_kernels(context) == thermo::cpu::WinogradKernels::thermo &&
        thermo::cpu::winograd::fits(spec)) {
      auto own = own_winograd_passes(context, {batch, layer.in, layer.out, layer.size, layer.size}, label, flops);
      forward.push_back(std::move(own.forward));
      backward.insert(backward.begin(), std::move(own.weights));
      backward.insert(backward.begin() + 1, std::move(own.data));
      continue;
    }
    // The backend's rule per pass (thermo::cpu::winograd_fits, pass_algorithm), then direct if
    // that has no kernel.
    const auto algorithm_for = [&](thermo::cpu::ConvPass pass, auto make) {
      const bool winograd = thermo::cpu::winograd_kernels(context) == thermo::cpu::WinogradKernels::onednn &&
                            thermo::cpu::winograd_fits(spec, pass);
      const auto preferred = winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
      auto pd = make(thermo::cpu::pass_algorithm(preferred, make), true, dnnl::primitive_attr());
      return pd ? pd : make(dnnl::algorithm::convolution_direct, false, dnnl::primitive_attr());
    };

    const auto forward_pd =
        algorithm_for(thermo::cpu::ConvPass::forward,
                      [&](dnnl::algorithm algorithm, bool allow_empty, const dnnl::primitive_attr& attr) {
                        return dnnl::convolution_forward::primitive_desc(
                            dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm, src, weights,
                                                            dst, unit, padding, padding),
                            attr, engine, allow_empty);
                      });
    forward.push_back({label + " forward",
                       forward_pd.impl_info_str(),
                       flops,
                       dnnl::convolution_forward(forward_pd),
                       {{DNNL_ARG_SRC, fill.make(forward_pd.src_desc(), engine)},
                        {DNNL_ARG_WEIGHTS, fill.make(forward_pd.weights_desc(), engine)},
                        {DNNL_ARG_DST, fill.make(forward_pd.dst_desc(), engine)}}});

    const auto weights_pd = algorithm_for(
        thermo::cpu::ConvPass::backward,
        [&](dnnl::algorithm algorithm, bool allow_empty, const dnnl::primitive_attr& attr) {
          return dnnl::convolution_backward_weights::primitive_desc(
              dnnl::convolution_backward_weights::desc(algorithm, src, weights, dst, unit, padding, padding), attr,
              engine, forward_pd, allow_empty);
        });
    Pass weights_pass{label + " backward weights",
                      weights_pd.impl_info_str(),
                      flops,
                      dnnl::convolution_backward_weights(weights_pd),
                      {{DNNL_ARG_SRC, fill.make(weights_pd.src_desc(), engine)},
                       {DNNL_ARG_DIFF_DST, fill.make(weights_pd.diff_dst_desc(), engine)},
                       {DNNL_ARG_DIFF_WEIGHTS, fill.make(weights_pd.diff_weights_desc(), engine)}}};
    if (index == 0) {
      backward.insert(backward.begin(), std::move(weights_pass));
      continue;
    }
    const auto data_pd = algorithm_for(thermo::cpu::ConvPass::backward, [&](dnnl::algorithm algorithm, bool allow_empty,
                                                                            const dnnl::primitive_attr& attr) {
      return dnnl::convolution_backward_data::primitive_desc(
          dnnl::convolution_backward_data::desc(algorithm, src, weights, dst, unit, padding, padding), attr, engine,
          forward_pd, allow_empty);
    });
    Pass data_pass{label + " backward data",
                   data_pd.impl_info_str(),
                   flops,
                   dnnl::convolution_backward_data(data_pd),
                   {{DNNL_ARG_DIFF_DST, fill.make(data_pd.diff_dst_desc(), engine)},
                    {DNNL_ARG_WEIGHTS, fill.make(data_pd.weights_desc(), engine)},
                    {DNNL_ARG_DIFF_SRC, fill.make(data_pd.diff_src_desc(), engine)}}};
    // The step's order: the last layer's backward first.
    backward.insert(backward.begin(), std::move(weights_pass));
    backward.insert(backward.begin() + 1, std::move(data_pass));
  }
  forward.insert(forward.end(), std::make_move_iterator(backward.begin()), std::make_move_iterator(backward.end()));
  return forward;
}

// Whether --winograd has Winograd kernels to run on this machine (oneDNN's with AVX-512, else
// thermo's with AVX2).
bool winograd_runs(const thermo::cpu::CpuContext& context) {
  return thermo::cpu::winograd_kernels(context) != thermo::cpu::WinogradKernels::none;
}

void run(const thermo::cpu::CpuContext& context, std::int64_t width, const Options& options,
         const thermo::bench::FmaPeak& peak) {
  auto passes = make_passes(context, width);
  double total_ms = 0.0;
  double best_step_ms = 1e300;
  for (int repeat = 0; repeat < options.warmup + options.repeats; ++repeat) {
    double step_ms = 0.0;
    for (auto& pass : passes) {
      context.use_threads();
      const auto start = Clock::now();
      if (pass.own) {
        pass.own();
      } else {
        context.execute(pass.primitive, pass.arguments);
      }
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      step_ms += ms;
      if (repeat >= options.warmup) pass.best_ms = std::min(pass.best_ms, ms);
    }
    if (repeat >= options.warmup) {
      total_ms += step_ms;
      best_step_ms = std::min(best_step_ms, step_ms);
    }
  }
  const double mean_ms = total_ms / options.repeats;
  double flops = 0.0;
  for (const auto& pass : passes) flops += pass.flops;
  if (options.json) {
    std::cout << fmt::format(
        R"({{"channels": {}, "threads": {}, "repeats": {}, "winograd": {}, "conv_ms_mean": {:.6f}, "conv_ms_min": {:.6f}, )"
        R"("gflop": {:.6f}, "fma_peak_gflops": {:.3f}, "fma_vectors": "{}"}})"
        "\n",
        width, context.threads(), options.repeats, winograd_runs(context), mean_ms, best_step_ms, flops * 1e-9,
        peak.gflops, peak.vectors);
    return;
  }
  std::cout << fmt::format(
      "ConvNet({}) batch 128, convolutions alone at their kernels' layouts{}, {} thread{}: {:.2f} ms per step (mean of "
      "{}; "
      "min {:.2f} ms), {:.3f} GFLOP, {:.1f} GFLOP/s at the mean\n",
      width, winograd_runs(context) ? " (Winograd where it fits)" : "", context.threads(),
      context.threads() == 1 ? "" : "s", mean_ms, options.repeats, best_step_ms, flops * 1e-9, flops / mean_ms * 1e-6);
  for (const auto& pass : passes) {
    std::cout << fmt::format("  {:<40} {:8.3f} ms min, {:6.1f} GFLOP/s, {}\n", pass.name, pass.best_ms,
                             pass.flops / pass.best_ms * 1e-6, pass.implementation);
  }
  std::cout << fmt::format(
      "  the machine's multiply-add peak on {} thread{}: {:.1f} GFLOP/s ({}); the step's direct-convolution FLOPs "
      "take at least {:.2f} ms there\n",
      context.threads(), context.threads() == 1 ? "" : "s", peak.gflops, peak.vectors, flops / peak.gflops * 1e-6);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    const thermo::cpu::CpuContext context(options.threads, options.winograd);
    const auto peak = thermo::bench::measure_fma_peak(options.threads);
    for (const auto width : options.channels) run(context, width, options, peak);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 2;
  }
}
