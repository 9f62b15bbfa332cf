// Durable writes: the target is replaced whole or not at all, nothing is left behind, and a full
// disk (a real, small tmpfs) gives a StorageError that names the file and the space left.
#include "test_support.hpp"

#include <thermo/durable_file.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

using thermo::AppendedFile;
using thermo::DurableFile;
using thermo::StorageError;
using thermo::testing::read_file;
using thermo::testing::run_command;
namespace fs = std::filesystem;

namespace {

std::size_t entries_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// A tmpfs of `kilobytes` mounted on a fresh folder for the test's life (root only).
class SmallDisk {
 public:
  explicit SmallDisk(int kilobytes) : dir_(thermo::testing::scratch_dir("small-disk")) {
    mounted_ = ::geteuid() == 0 &&
               run_command("mount -t tmpfs -o size=" + std::to_string(kilobytes) + "k thermo-test " + dir_.string())
                       .exit_code == 0;
  }
  ~SmallDisk() {
    if (mounted_) static_cast<void>(run_command("umount " + dir_.string()));
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("durable file: the target appears whole at commit, and nothing else is left") {
  const auto dir = thermo::testing::scratch_dir("durable");
  thermo::write_file_durably(dir / "a.json", std::string("{\"x\": 1}\n"));
  CHECK(read_file(dir / "a.json") == "{\"x\": 1}\n");
  CHECK(entries_in(dir) == 1);
  {
    DurableFile out(dir / "a.json");
    out.write(std::string_view("half of a new"));
    CHECK(read_file(dir / "a.json") == "{\"x\": 1}\n");  // untouched until commit
    CHECK(entries_in(dir) == 2);                         // the temporary, next to it
  }                                                      // destroyed without commit: as if never started
  CHECK(read_file(dir / "a.json") == "{\"x\": 1}\n");
  CHECK(entries_in(dir) == 1);
  DurableFile out(dir / "a.json");
  out.write(std::string_view("new"));
  out.commit();
  CHECK(read_file(dir / "a.json") == "new");
  CHECK(out.bytes_written() == 3);
  CHECK_THROWS_AS(out.commit(), std::logic_error);
}

TEST_CASE("durable file: a folder that does not exist is a StorageError naming the file") {
  const auto dir = thermo::testing::scratch_dir("durable-missing");
  CHECK_THROWS_WITH_AS(thermo::write_file_durably(dir / "no" / "such.json", std::string("x")),
                       doctest::Contains("no/such.json: error: cannot create a temporary file to write: No such file"),
                       StorageError);
}

TEST_CASE("durable file: appended lines land one write each") {
  const auto dir = thermo::testing::scratch_dir("appended");
  {
    AppendedFile file(dir / "m.csv", AppendedFile::Start::truncate);
    file.append("a,b\n");
    file.append("1,2\n");
    file.sync();
  }
  {
    AppendedFile file(dir / "m.csv", AppendedFile::Start::append);
    file.append("3,4\n");
  }
  CHECK(read_file(dir / "m.csv") == "a,b\n1,2\n3,4\n");
}

TEST_CASE("durable file: a full disk is a StorageError naming the file and the space left; the old file stays") {
  SmallDisk disk(64);
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root (CI runs as root)");
    return;
  }
  const fs::path file = disk.dir() / "summary.json";
  thermo::write_file_durably(file, std::string("old"));
  const std::string big(200 * 1024, 'x');
  try {
    thermo::write_file_durably(file, big);
    FAIL("a 200 KiB write into a 64 KiB tmpfs succeeded");
  } catch (const StorageError& error) {
    const std::string message = error.what();
    CHECK(message.find("summary.json") != std::string::npos);
    CHECK(message.find("No space left on device") != std::string::npos);
    CHECK(message.find("free there") != std::string::npos);
    CHECK(error.error_number() == ENOSPC);
  }
  CHECK(read_file(file) == "old");
  CHECK(entries_in(disk.dir()) == 1);  // the temporary is gone

  AppendedFile log(disk.dir() / "metrics.csv", AppendedFile::Start::truncate);
  log.append("header\n");
  CHECK_THROWS_WITH_AS(log.append(big), doctest::Contains("metrics.csv"), StorageError);
}
