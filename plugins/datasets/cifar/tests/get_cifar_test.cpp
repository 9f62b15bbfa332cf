// tools/get-cifar.sh without internet: argument handling, the md5 check on a fake tarball given
// with --from, and (in a copy whose expected md5 is the fake's) unpacking and skipping.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using thermo::testing::run_command;

namespace {

const std::string kCifar10Md5 = "c32a1d4ab5d03f1284b67883e8d87530";

fs::path script() {
  return thermo::testing::source_dir() / "tools" / "get-cifar.sh";
}

std::string quoted(const fs::path& path) {
  std::string text = "'";  // built by appending: `"'" + string` trips GCC 12's -Wrestrict
  text += path.string();
  text += "'";
  return text;
}

// A tarball laid out like the official one (cifar-10-batches-bin/...), with small fake files.
fs::path make_fake_cifar10_tarball(const fs::path& root) {
  const auto payload = root / "payload" / "cifar-10-batches-bin";
  for (int batch = 1; batch <= 5; ++batch) {
    thermo::testing::write_file(payload / ("data_batch_" + std::to_string(batch) + ".bin"),
                                "batch " + std::to_string(batch));
  }
  thermo::testing::write_file(payload / "test_batch.bin", "test batch");
  const auto from = root / "from";
  fs::create_directories(from);
  const auto tarball = from / "cifar-10-binary.tar.gz";
  const auto packed =
      run_command("tar -czf " + quoted(tarball) + " -C " + quoted(root / "payload") + " cifar-10-batches-bin");
  REQUIRE(packed.exit_code == 0);
  return tarball;
}

std::string md5_of(const fs::path& file) {
  const auto result = run_command("md5sum " + quoted(file));
  REQUIRE(result.exit_code == 0);
  return result.out.substr(0, 32);
}

}  // namespace

TEST_CASE("get-cifar.sh: --help and bad arguments") {
  const auto help = run_command("bash " + quoted(script()) + " --help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.starts_with("Usage: tools/get-cifar.sh [options] [cifar10] [cifar100]\n"));
  CHECK(help.out.find("--from DIR") != std::string::npos);

  const std::string hint = "Run 'tools/get-cifar.sh --help' for the options.\n";
  const auto unknown_option = run_command("bash " + quoted(script()) + " --bogus");
  CHECK(unknown_option.exit_code == 2);
  CHECK(unknown_option.err == "get-cifar.sh: error: unknown option '--bogus'\n" + hint);

  const auto unknown_set = run_command("bash " + quoted(script()) + " cifar11");
  CHECK(unknown_set.exit_code == 2);
  CHECK(unknown_set.err == "get-cifar.sh: error: unknown data set 'cifar11' (expected cifar10 or cifar100)\n" + hint);

  const auto no_dir = run_command("bash " + quoted(script()) + " --dir");
  CHECK(no_dir.exit_code == 2);
  CHECK(no_dir.err == "get-cifar.sh: error: --dir needs a folder\n" + hint);

  const auto root = thermo::testing::scratch_dir("get-cifar-args");
  const auto no_from = run_command("bash " + quoted(script()) + " --from " + quoted(root / "absent") + " cifar10");
  CHECK(no_from.exit_code == 2);
  CHECK(no_from.err == "get-cifar.sh: error: --from: no such folder: " + (root / "absent").string() + "\n" + hint);
  fs::remove_all(root);
}

TEST_CASE("get-cifar.sh: a tarball with the wrong md5 is refused and nothing is unpacked") {
  const auto root = thermo::testing::scratch_dir("get-cifar-md5");
  const auto tarball = make_fake_cifar10_tarball(root);
  const auto data = root / "data";
  const auto result = run_command("bash " + quoted(script()) + " --dir " + quoted(data) + " --from " +
                                  quoted(root / "from") + " cifar10");
  CHECK(result.exit_code == 1);
  CHECK(result.err == "get-cifar.sh: error: " + tarball.string() + " has md5 " + md5_of(tarball) + ", expected " +
                          kCifar10Md5 + ": it is not the official CIFAR-10 archive or it is damaged\n");
  CHECK_FALSE(fs::exists(data / "cifar-10-batches-bin"));
  CHECK(fs::exists(tarball));  // a tarball given with --from is never deleted

  const auto missing = run_command("bash " + quoted(script()) + " --dir " + quoted(data) + " --from " +
                                   quoted(root / "from") + " cifar100");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "get-cifar.sh: error: " + (root / "from" / "cifar-100-binary.tar.gz").string() +
                           " not found (--from expects cifar-100-binary.tar.gz there; it comes from "
                           "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz)\n");
  fs::remove_all(root);
}

TEST_CASE("get-cifar.sh: a matching md5 unpacks, a second run skips, THERMO_DATA sets the folder") {
  const auto root = thermo::testing::scratch_dir("get-cifar-unpack");
  const auto tarball = make_fake_cifar10_tarball(root);
  // The script itself, with the fake tarball's md5 as the expected CIFAR-10 sum.
  const auto copy = root / "get-cifar.sh";
  auto text = thermo::testing::read_file(script());
  const auto at = text.find(kCifar10Md5);
  REQUIRE(at != std::string::npos);
  text.replace(at, kCifar10Md5.size(), md5_of(tarball));
  thermo::testing::write_file(copy, text);
  const auto data = root / "data";
  const auto first =
      run_command("bash " + quoted(copy) + " --dir " + quoted(data) + " --from " + quoted(root / "from") + " cifar10");
  CHECK(first.exit_code == 0);
  CHECK(first.err.empty());
  CHECK(first.out.ends_with("CIFAR-10 is ready in " + (data / "cifar-10-batches-bin").string() + ".\n"));
  CHECK(thermo::testing::read_file(data / "cifar-10-batches-bin" / "data_batch_3.bin") == "batch 3");
  CHECK(thermo::testing::read_file(data / "cifar-10-batches-bin" / "test_batch.bin") == "test batch");
  CHECK(fs::exists(tarball));

  const auto second =
      run_command("bash " + quoted(copy) + " --dir " + quoted(data) + " --from " + quoted(root / "from") + " cifar10");
  CHECK(second.exit_code == 0);
  CHECK(second.out ==
        "CIFAR-10 is already in " + (data / "cifar-10-batches-bin").string() + " (use --force to fetch it again).\n");

  const auto env_data = root / "env-data";
  const auto from_env = run_command("THERMO_DATA=" + quoted(env_data) + " bash " + quoted(copy) + " --from " +
                                    quoted(root / "from") + " cifar10");
  CHECK(from_env.exit_code == 0);
  CHECK(fs::exists(env_data / "cifar-10-batches-bin" / "data_batch_5.bin"));
  fs::remove_all(root);
}
