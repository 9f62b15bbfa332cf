// The plugin registry through its API: search path, discovery without loading, every way a
// library can be refused (exact messages), did-you-mean, shared logging, backend selection.
#include "golden_text.hpp"
#include "registry/create_backend.hpp"
#include "registry/plugin_registry.hpp"
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdlib>
#include <optional>
#include <sstream>

namespace {
namespace fs = std::filesystem;
using thermo::PluginKind;
using thermo::engine::PluginRegistry;
using thermo::testing::fixture_folder;
using thermo::testing::with_placeholders;

PluginRegistry registry_of(const std::vector<std::string>& scenarios) {
  std::vector<fs::path> folders;
  for (const auto& scenario : scenarios) folders.push_back(fixture_folder(scenario));
  return PluginRegistry(folders);
}

// The UserError message of get(), with placeholders.
std::string load_error(PluginRegistry& registry, PluginKind kind, const std::string& name) {
  try {
    (void)registry.get(kind, name);
  } catch (const thermo::UserError& error) {
    return with_placeholders(error.what());
  }
  return "(no error)";
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Captures what is logged through thermo::logger() for one scope.
class CapturedLog {
 public:
  CapturedLog() : previous_(thermo::shared_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_pattern("[%l] %v");
    logger->set_level(spdlog::level::debug);
    thermo::set_logger(logger);
  }
  ~CapturedLog() { thermo::set_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  [[nodiscard]] std::string text() const { return text_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};
}  // namespace

TEST_CASE("plugin file names give kind and name without loading") {
  using thermo::engine::parse_plugin_file_name;
  const auto parsed = parse_plugin_file_name("libthermo-model-conv_net-v2.so");
  REQUIRE(parsed);
  CHECK(parsed->first == PluginKind::model);
  CHECK(parsed->second == "conv_net-v2");
  CHECK(thermo::engine::plugin_file_name(PluginKind::estimator, "knn_entropy") == "libthermo-estimator-knn_entropy.so");
  CHECK_FALSE(parse_plugin_file_name("libthermo-widget-x.so"));
  CHECK_FALSE(parse_plugin_file_name("libthermo-model-.so"));
  CHECK_FALSE(parse_plugin_file_name("libthermo-model.so"));
  CHECK_FALSE(parse_plugin_file_name("libthermo-model-x.so.1"));
  CHECK_FALSE(parse_plugin_file_name("libthermo_sdk.so"));
  CHECK(thermo::engine::parse_plugin_kind("analysis") == PluginKind::analysis);
  CHECK_FALSE(thermo::engine::parse_plugin_kind("models"));
}

TEST_CASE("the search path: command line, THERMO_PLUGIN_PATH, then next to the binary; no repeats") {
  const fs::path good = fixture_folder("good");
  const fs::path abi = fixture_folder("abi");
  const fs::path throws = fixture_folder("throws");
  const std::string good_spelled_twice = (good / ".." / "good").string();
  {
    ScopedEnv path("THERMO_PLUGIN_PATH", abi.string() + "::" + good_spelled_twice + ":" + throws.string());
    ScopedEnv only("THERMO_NO_DEFAULT_PLUGIN_PATH", "1");
    const auto search_path = PluginRegistry::default_search_path({good, abi});
    CHECK(search_path == std::vector<fs::path>{good, abi, throws});
  }
  {
    ScopedEnv path("THERMO_PLUGIN_PATH", std::nullopt);
    ScopedEnv only("THERMO_NO_DEFAULT_PLUGIN_PATH", std::nullopt);
    const auto search_path = PluginRegistry::default_search_path({good});
    REQUIRE(search_path.size() >= 2);
    CHECK(search_path.front() == good);
    // This test runs from <build>/tests, so "next to the binary" is the build's plugin folder.
    CHECK(fs::weakly_canonical(search_path[1]) ==
          fs::weakly_canonical(thermo::testing::build_dir() / "lib/thermo/plugins"));
  }
}

TEST_CASE("discovery reads file names only; get() loads just the plugin asked for") {
  PluginRegistry registry = registry_of({"good", "abi", "throws", "not_elf", "no_entry"});
  std::vector<std::string> found;
  for (const auto& file : registry.files())
    found.push_back(std::string(thermo::to_string(file.kind)) + "/" + file.name);
  CHECK(found == std::vector<std::string>{"optimizer/fixture_adam", "optimizer/fixture_sgd", "model/fixture_abi",
                                          "model/fixture_throws", "model/fixture_text", "model/fixture_no_entry"});
  CHECK(registry.names(PluginKind::optimizer) == std::vector<std::string>{"fixture_adam", "fixture_sgd"});
  CHECK(registry.names(PluginKind::model) ==
        std::vector<std::string>{"fixture_abi", "fixture_no_entry", "fixture_text", "fixture_throws"});
  CHECK(registry.names(PluginKind::dataset).empty());
  CHECK(registry.duplicate_errors().empty());

  const fs::path sgd = fixture_folder("good") / "libthermo-optimizer-fixture_sgd.so";
  const fs::path adam = fixture_folder("good") / "libthermo-optimizer-fixture_adam.so";
  CHECK_FALSE(thermo::testing::is_library_loaded(sgd));
  const auto& plugin = registry.get_as<thermo::OptimizerPlugin>(PluginKind::optimizer, "fixture_sgd");
  CHECK(thermo::testing::is_library_loaded(sgd));
  CHECK_FALSE(thermo::testing::is_library_loaded(adam));
  CHECK(plugin.name() == "fixture_sgd");
  CHECK(plugin.version() == "2.1.0");
  CHECK(&registry.get(PluginKind::optimizer, "fixture_sgd") == &plugin);

  const thermo::ParamSchema* schema = registry.find_schema(PluginKind::optimizer, "fixture_sgd");
  REQUIRE(schema != nullptr);
  CHECK(schema->names() ==
        std::vector<std::string>{"learning_rate", "momentum", "schedule", "milestones", "decay_steps", "warm_start"});
  CHECK(registry.find_schema(PluginKind::optimizer, "fixture_sgdd") == nullptr);
  CHECK_FALSE(thermo::testing::is_library_loaded(fixture_folder("abi") / "libthermo-model-fixture_abi.so"));
}

TEST_CASE("a library that cannot be used is refused with a message naming the file") {
  PluginRegistry registry = registry_of({"not_elf", "no_entry", "abi", "build_id", "throws", "misnamed"});

  CHECK(load_error(registry, PluginKind::model, "fixture_text") ==
        "<FIXTURES>/not_elf/libthermo-model-fixture_text.so: cannot load the library: invalid ELF header");
  CHECK(
      load_error(registry, PluginKind::model, "fixture_no_entry") ==
      "<FIXTURES>/no_entry/libthermo-model-fixture_no_entry.so: not a thermo plugin: no 'thermo_plugin_entry' symbol");
  // describe() of these two fixtures aborts: reaching the message proves nothing ran before the check.
  CHECK(load_error(registry, PluginKind::model, "fixture_abi") ==
        "<FIXTURES>/abi/libthermo-model-fixture_abi.so: plugin ABI version 999, this thermo needs <ABI>; rebuild the "
        "plugin against thermo <VERSION>");
  CHECK(load_error(registry, PluginKind::model, "fixture_build_id") ==
        "<FIXTURES>/build_id/libthermo-model-fixture_build_id.so: plugin build id 'thermo 0.0.0; fixture compiler "
        "1.0; other stdlib' differs from this thermo's '<BUILD_ID>'; rebuild the plugin against this thermo with "
        "the same compiler");
  CHECK(load_error(registry, PluginKind::model, "fixture_throws") ==
        "<FIXTURES>/throws/libthermo-model-fixture_throws.so: plugin failed to initialise: fixture_throws: cannot "
        "read its lookup table");
  CHECK(load_error(registry, PluginKind::model, "fixture_misnamed") ==
        "<FIXTURES>/misnamed/libthermo-model-fixture_misnamed.so: the library declares model 'fixture_renamed' but "
        "its file name says model 'fixture_misnamed'; rename the file to libthermo-model-fixture_renamed.so or "
        "correct the plugin's name");
  // A failure is remembered, not retried.
  CHECK(load_error(registry, PluginKind::model, "fixture_throws") ==
        "<FIXTURES>/throws/libthermo-model-fixture_throws.so: plugin failed to initialise: fixture_throws: cannot "
        "read its lookup table");
  CHECK_THROWS_AS((void)registry.find_schema(PluginKind::model, "fixture_abi"), thermo::UserError);
}

TEST_CASE("unknown names list the known ones and suggest the nearest") {
  PluginRegistry registry = registry_of({"good"});
  CHECK(load_error(registry, PluginKind::optimizer, "fixture_sdg") ==
        "unknown optimizer plugin 'fixture_sdg' (did you mean 'fixture_sgd'?); known optimizer plugins: "
        "fixture_adam, fixture_sgd");
  CHECK(load_error(registry, PluginKind::optimizer, "lbfgs") ==
        "unknown optimizer plugin 'lbfgs'; known optimizer plugins: fixture_adam, fixture_sgd");
  CHECK(load_error(registry, PluginKind::model, "convnet") ==
        "unknown model plugin 'convnet': no model plugins found in <FIXTURES>/good");
}

TEST_CASE("two files with one kind and name are an error naming both") {
  PluginRegistry registry = registry_of({"duplicate_a", "good", "duplicate_b"});
  const std::string expected =
      "optimizer plugin 'fixture_dup' is found in 2 files: <FIXTURES>/duplicate_a/libthermo-optimizer-fixture_dup.so "
      "and <FIXTURES>/duplicate_b/libthermo-optimizer-fixture_dup.so; keep only one of them on the plugin path";
  CHECK(load_error(registry, PluginKind::optimizer, "fixture_dup") == expected);
  REQUIRE(registry.duplicate_errors().size() == 1);
  CHECK(with_placeholders(registry.duplicate_errors().front()) == expected);
  CHECK_THROWS_AS((void)registry.find_schema(PluginKind::optimizer, "fixture_dup"), thermo::UserError);
  // The other plugins stay usable.
  CHECK(registry.get(PluginKind::optimizer, "fixture_adam").name() == "fixture_adam");

  const auto rows = registry.list_all();
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].file.name == "fixture_adam");
  CHECK(rows[0].error.empty());
  CHECK(rows[0].version == "2.1.0");
  CHECK(rows[0].summary == "A fixture optimizer for the plugin registry tests.");
  CHECK(rows[1].file.name == "fixture_dup");
  CHECK(rows[1].duplicate);
  CHECK(rows[2].file.name == "fixture_dup");
  CHECK(rows[2].duplicate);
  CHECK(with_placeholders(rows[2].error) == expected);
  CHECK(rows[3].file.name == "fixture_sgd");
  CHECK_FALSE(rows[3].duplicate);
}

TEST_CASE("list_all reports a failing library on its row instead of throwing") {
  PluginRegistry registry = registry_of({"abi", "good"});
  const auto rows = registry.list_all();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].file.kind == PluginKind::model);
  CHECK(rows[0].version.empty());
  CHECK(with_placeholders(rows[0].error) ==
        "<FIXTURES>/abi/libthermo-model-fixture_abi.so: plugin ABI version 999, this thermo needs <ABI>; rebuild the "
        "plugin against thermo <VERSION>");
  CHECK(rows[1].error.empty());
  CHECK(rows[2].error.empty());
}

TEST_CASE("plugins log through the host's logger") {
  CapturedLog log;
  PluginRegistry registry = registry_of({"logging"});
  // fixture_logger is loaded only here, so its plugin object is constructed (and logs) now.
  const auto& plugin = registry.get_as<thermo::OptimizerPlugin>(PluginKind::optimizer, "fixture_logger");
  thermo::Params params;
  params.set("learning_rate", 0.25);
  const auto optimizer = plugin.create(params);
  REQUIRE(optimizer != nullptr);
  CHECK(optimizer->learning_rate() == 0.25);
  CHECK(log.text().find("[debug] fixture_logger: plugin object constructed\n") != std::string::npos);
  CHECK(log.text().find("[info] fixture_logger: created with learning_rate 0.25\n") != std::string::npos);
}

TEST_CASE("backend auto picks the available backend of the highest score") {
  using thermo::engine::create_backend;
  using thermo::engine::resolve_backend_name;
  auto error_of = [](PluginRegistry& registry, const std::string& name) {
    try {
      (void)create_backend(registry, name, 0);
    } catch (const thermo::UserError& error) {
      return with_placeholders(error.what());
    }
    return std::string("(no error)");
  };

  PluginRegistry no_gpu = registry_of({"backends_no_gpu"});
  CHECK(resolve_backend_name(no_gpu, "auto") == "cpu");
  CHECK(resolve_backend_name(no_gpu, "cuda") == "cuda");
  CHECK(error_of(no_gpu, "cuda") == "backend cuda unavailable: no CUDA device (fixture)");
  CHECK(error_of(no_gpu, "cpux") ==
        "unknown backend plugin 'cpux' (did you mean 'cpu'?); known backend plugins: cpu, cuda");
  {
    CapturedLog log;
    // The fixture backend computes nothing: create() only logs what it was given.
    CHECK(create_backend(no_gpu, "auto", 3) == nullptr);
    CHECK(log.text().find("[info] fixture backend cpu: threads 3, deterministic true\n") != std::string::npos);
  }

  PluginRegistry gpu = registry_of({"backends_gpu"});
  CHECK(resolve_backend_name(gpu, "auto") == "cuda");
  {
    CapturedLog log;
    // A device backend declares no `threads`: the run's threads are not handed to it.
    CHECK(create_backend(gpu, "auto", 4) == nullptr);
    CHECK(log.text().find("[info] fixture backend cuda: deterministic true\n") != std::string::npos);
  }

  // Not a name the engine knows: the score decides.
  PluginRegistry other = registry_of({"backends_other"});
  CHECK(resolve_backend_name(other, "auto") == "accel");

  PluginRegistry broken = registry_of({"backends_broken"});
  CHECK(resolve_backend_name(broken, "auto") == "cpu");
  CHECK(error_of(broken, "cuda") ==
        "backend cuda unavailable: <FIXTURES>/backends_broken/libthermo-backend-cuda.so: cannot load the library: "
        "invalid ELF header");

  PluginRegistry cpu_only = registry_of({"good"});
  CHECK(error_of(cpu_only, "auto") == "backend auto: no backend plugins found in <FIXTURES>/good");
}

TEST_CASE("backend settings: the resolved backend's values, then the run's threads where they leave 0") {
  using thermo::engine::create_backend;
  PluginRegistry gpu = registry_of({"backends_gpu"});
  const thermo::Params cpu_settings({{"threads", std::int64_t{2}}, {"deterministic", false}});
  const thermo::Params cpu_defaults({{"threads", std::int64_t{0}}, {"deterministic", true}});
  const thermo::Params cuda_settings({{"deterministic", false}});
  {
    CapturedLog log;
    CHECK(create_backend(gpu, "cpu", {{"cpu", cpu_settings}}, 8) == nullptr);
    CHECK(create_backend(gpu, "cpu", {{"cpu", cpu_defaults}}, 8) == nullptr);
    CHECK(create_backend(gpu, "cuda", {{"cuda", cuda_settings}}, 8) == nullptr);
    CHECK(log.text().find("[info] fixture backend cpu: threads 2, deterministic false\n") != std::string::npos);
    CHECK(log.text().find("[info] fixture backend cpu: threads 8, deterministic true\n") != std::string::npos);
    CHECK(log.text().find("[info] fixture backend cuda: deterministic false\n") != std::string::npos);
  }
  // Settings for several plugins (`backend: {plugin: auto, cpu: ..., cuda: ...}`): the backend
  // `auto` or `--backend` resolves to takes its own, never another plugin's.
  const std::map<std::string, thermo::Params> both{{"cpu", cpu_settings}, {"cuda", cuda_settings}};
  {
    CapturedLog log;
    CHECK(create_backend(gpu, "auto", both, 8) == nullptr);
    CHECK(log.text().find("[info] fixture backend cuda: deterministic false\n") != std::string::npos);
    CHECK(log.text().find("fixture backend cpu") == std::string::npos);
  }
  {
    CapturedLog log;
    CHECK(create_backend(gpu, "cpu", both, 8) == nullptr);
    CHECK(log.text() == "[info] fixture backend cpu: threads 2, deterministic false\n");
  }
  {
    CapturedLog log;  // --backend cuda on a pipeline whose section is cpu's: cuda's defaults
    CHECK(create_backend(gpu, "cuda", {{"cpu", cpu_settings}}, 8) == nullptr);
    CHECK(log.text() == "[info] fixture backend cuda: deterministic true\n");
  }
}
