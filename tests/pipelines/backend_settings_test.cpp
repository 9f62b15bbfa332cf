// Backend settings in a pipeline, end to end through `thermo run`: settings given per plugin under
// `backend: {plugin: auto, cpu: {...}}` reach the backend the run resolves to (and only that
// one), as do a named section's; the cpu backend's `winograd` setting is the case, checked by its
// effect (the backend's description in summary.json) and by the first steps' losses, which agree
// with direct convolutions' to float32 rounding. Later steps are not compared: at these rates
// the trajectory is chaotic (a 1e-7 change grows ~100× a step; two thread counts part as fast).
#include "pipeline_test_support.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace thermo::testing;

namespace {

std::string convnet_pipeline(const std::string& backend) {
  return "thermo: 1\nname: backend_settings\nbackend: " + backend +
         "\nseed: 1\n"
         "dataset: {plugin: synthetic, train_size: 1280, test_size: 128, seed: 1}\n"
         "model: {plugin: convnet, channels: 16, init_seed: 1, head_seed: 4}\n"
         "loss: cross_entropy\n"
         "optimizer: {plugin: sphere_sgd, elr: 0.01, radius: 1.0}\n"
         "train: {iters: 1, batch_size: 128, sampler: iid, seed: 1, log: [0, 1], checkpoints: none}\n"
         "estimators: []\n";
}

struct Run {
  std::string description;         // summary.json's backend_description
  std::vector<double> train_loss;  // at iterations 0 and 1
};

Run run(const std::filesystem::path& dir, const std::string& name, const std::string& backend,
        const std::string& arguments = "") {
  write_file(dir / (name + ".yaml"), convnet_pipeline(backend));
  const auto result =
      run_command(thermo_command_in(dir, "-q run " + name + ".yaml --threads 2 --out " + name + " " + arguments));
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto metrics = read_metrics(dir / name);
  const auto train_loss = metrics.column("train_loss");
  return {read_json(dir / name / "summary.json")["backend_description"].get<std::string>(),
          {train_loss.begin(), train_loss.end()}};
}

// The setting reached the backend: its description names Winograd ("winograd convolutions", or
// "winograd requested (...)" on a CPU with no Winograd kernels).
bool says_winograd(const Run& run) {
  return run.description.find(", winograd") != std::string::npos;
}

}  // namespace

TEST_CASE("backend settings per plugin under auto reach the backend the run resolves to") {
  const auto dir = scratch_dir("backend-settings");
  const Run direct = run(dir, "direct", "cpu");
  const Run under_auto = run(dir, "under-auto", "{plugin: auto, cpu: {winograd: true}}");
  const Run auto_then_cpu = run(dir, "auto-then-cpu", "{plugin: auto, cpu: {winograd: true}}", "--backend cpu");
  const Run named = run(dir, "named", "{plugin: cpu, winograd: true}");
  // Settings for another plugin only (installed or not): the cpu run keeps its defaults.
  const Run other_plugin = run(dir, "other-plugin", "{plugin: auto, cuda: {device: 0}}", "--backend cpu");
  CHECK_FALSE(says_winograd(direct));
  CHECK(says_winograd(under_auto));
  CHECK(says_winograd(auto_then_cpu));
  CHECK(says_winograd(named));
  CHECK_FALSE(says_winograd(other_plugin));

  REQUIRE(direct.train_loss.size() == 2);
  REQUIRE(under_auto.train_loss.size() == 2);
  for (std::size_t index = 0; index < 2; ++index) {
    CAPTURE(index);
    const double relative =
        std::abs(under_auto.train_loss[index] - direct.train_loss[index]) / direct.train_loss[index];
    MESSAGE("iteration ", index, ": train loss direct ", direct.train_loss[index], ", winograd ",
            under_auto.train_loss[index], ", relative difference ", relative);
    CHECK(relative <= 1e-6);
  }
  CHECK(other_plugin.train_loss == direct.train_loss);  // same kernels, same bits
}

TEST_CASE("under auto, a near miss of an installed backend is an error; a backend not installed here is unused") {
  const auto dir = scratch_dir("backend-settings-errors");
  write_file(dir / "p.yaml", convnet_pipeline("{plugin: auto, cpuu: {winograd: true}}"));
  const auto result = run_command(thermo_command_in(dir, "-q validate p.yaml"));
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("p.yaml:3:25: error: backend.cpuu: under `plugin: auto` each key names a backend plugin "
                        "whose settings follow; unknown backend plugin 'cpuu' (did you mean 'cpu'?)") !=
        std::string::npos);
  // A file written for a GPU node validates on a build without that backend, and says so.
  write_file(dir / "q.yaml", convnet_pipeline("{plugin: auto, cpu: {winograd: true}, some_accelerator: {device: 1}}"));
  const auto portable = run_command(thermo_command_in(dir, "validate q.yaml"));
  CHECK(portable.exit_code == 0);
  CHECK(portable.err.find("q.yaml:3:48: backend.some_accelerator: no backend plugin 'some_accelerator' is installed "
                          "here") != std::string::npos);
}

// `winograd_kernels` names whose Winograd kernels run: thermo's wherever the CPU has AVX2 (AVX-512
// machines included), oneDNN's only where it has AVX-512 (oneDNN 2.6's Winograd kernels need
// avx512_core); naming kernels the CPU lacks is refused before the run starts (exit 2).
TEST_CASE("the cpu backend's winograd_kernels setting picks whose kernels run, and refuses missing ones") {
  const auto dir = scratch_dir("backend-settings-winograd-kernels");
  const Run direct = run(dir, "direct", "cpu");
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    const Run thermo_kernels = run(dir, "thermo-kernels", "{plugin: cpu, winograd: true, winograd_kernels: thermo}");
    CHECK(thermo_kernels.description.find("winograd convolutions (thermo's") != std::string::npos);
    CHECK(thermo_kernels.description.find("as asked") != std::string::npos);
    REQUIRE(thermo_kernels.train_loss.size() == 2);
    for (std::size_t index = 0; index < 2; ++index) {
      CAPTURE(index);
      CHECK(std::abs(thermo_kernels.train_loss[index] - direct.train_loss[index]) / direct.train_loss[index] <= 1e-6);
    }
  }
  write_file(dir / "onednn.yaml", convnet_pipeline("{plugin: cpu, winograd: true, winograd_kernels: onednn}"));
  const auto onednn = run_command(thermo_command_in(dir, "-q run onednn.yaml --threads 2 --out onednn"));
  const bool avx512_core = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  INFO(onednn.err);
  if (avx512_core) {
    CHECK(onednn.exit_code == 0);
    CHECK(read_json(dir / "onednn" / "summary.json")["backend_description"].get<std::string>().find("(thermo's") ==
          std::string::npos);
  } else {
    CHECK(onednn.exit_code == 2);
    CHECK(onednn.err.find("winograd_kernels: onednn, but oneDNN 2.6 has no Winograd kernels for this CPU") !=
          std::string::npos);
  }
  write_file(dir / "unknown.yaml", convnet_pipeline("{plugin: cpu, winograd: true, winograd_kernels: fastest}"));
  const auto unknown = run_command(thermo_command_in(dir, "-q validate unknown.yaml"));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown.yaml:3:") != std::string::npos);
  CHECK(unknown.err.find("winograd_kernels") != std::string::npos);
}
