// `thermo validate` and `thermo config` through the real binary and plugin registry, with
// pipelines that need no plugin (the lead's CLI goldens cover the real plugins).
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using thermo::testing::run_thermo;
using thermo::testing::scratch_dir;
using thermo::testing::write_file;

TEST_CASE("validate prints ok per valid file, every error of every file, and exits 2 on any error") {
  const auto folder = scratch_dir("cli");
  const std::string good = (folder / "good.yaml").string();
  const std::string bad = (folder / "bad.yaml").string();
  const std::string worse = (folder / "worse.yaml").string();
  write_file(good, "thermo: 1\nname: good\n");
  write_file(bad, "thermo: 1\nname: my run\nseed: -1\nexecutor: {jobs: 0}\n");
  write_file(worse, "thermo: 1\nnam: x\n");
  const auto result = run_thermo(fmt::format("validate '{}' '{}' '{}'", good, bad, worse));
  CHECK(result.exit_code == 2);
  CHECK(result.out == fmt::format("{}: ok\n", good));
  CHECK(result.err ==
        fmt::format("{0}:2:7: error: name: expected a name of letters, digits, '.', '_' and '-' (it names a folder), "
                    "got \"my run\"\n"
                    "{0}:3:7: error: seed: expected integer >= 0, got -1\n"
                    "{0}:4:18: error: executor.jobs: expected integer >= 1, got 0\n"
                    "{1}:1:1: error: missing required key 'name' (string)\n"
                    "{1}:2:1: error: unknown key 'nam' (did you mean 'name'?)\n",
                    bad, worse));

  const auto valid = run_thermo(fmt::format("validate '{}'", good));
  CHECK(valid.exit_code == 0);
  CHECK(valid.err.empty());
}

TEST_CASE("config prints the resolved pipeline with overrides, as YAML or JSON") {
  const std::string file = (scratch_dir("cli") / "p.yaml").string();
  write_file(file, "thermo: 1\nname: p\nsweep: {seed: [1, 2, 3]}\n");
  const auto yaml = run_thermo(fmt::format("config '{}' threads=4 description=hello", file));
  CHECK(yaml.exit_code == 0);
  CHECK(yaml.out ==
        "thermo: 1\nname: p\ndescription: hello\nbackend: auto\nthreads: 4\nseed: 1\ndataset: null\nmodel: null\n"
        "loss: null\noptimizer: null\ntrain: null\nestimators: []\nsweep:\n  seed: [1, 2, 3]\nexecutor:\n  kind: local\n"
        "  jobs: 1\n  in_process: false\n  checkpoint_every: 300\nanalysis: []\nreport: null\n");
  const auto point = run_thermo(fmt::format("config '{}' --point 002-seed3 --json", file));
  CHECK(point.exit_code == 0);
  CHECK(point.out.find("\"seed\": 3") != std::string::npos);
  CHECK(point.out.find("\"sweep\": null") != std::string::npos);

  const auto wrong = run_thermo(fmt::format("config '{}' threads", file));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err == "error: 'threads' is not an override: write key=value, e.g. optimizer.elr=0.1\n");
  const auto located = run_thermo(fmt::format("config '{}' threads=many", file));
  CHECK(located.exit_code == 2);
  CHECK(located.err == "command line:1:9: error: threads: expected integer >= 0, got \"many\"\n");
  const auto missing_point = run_thermo(fmt::format("config '{}' --point 7", file));
  CHECK(missing_point.exit_code == 2);
  CHECK(missing_point.err == "error: --point 7: no such point; the sweep has points 0 to 2 (000-seed1 to 002-seed3)\n");
}
