// .npy files: round trips of every dtype and shape, numpy.load reads what we write, and broken
// files are refused with a message naming them.
#include "test_support.hpp"

#include <thermo/error.hpp>
#include <thermo/npy.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <vector>

using thermo::DType;
using thermo::read_npy;
using thermo::write_npy;

TEST_CASE("npy: float32, float64 and int32 arrays of any rank round-trip exactly") {
  const auto dir = thermo::testing::scratch_dir("npy");
  std::vector<float> f32(2 * 3 * 4);
  for (std::size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<float>(i) * 0.25F - 1.0F;
  const std::vector<std::int64_t> shape3{2, 3, 4};
  write_npy(dir / "a.npy", f32, shape3);
  auto a = read_npy(dir / "a.npy");
  CHECK(a.dtype == DType::f32);
  CHECK(a.shape == shape3);
  CHECK(a.to_f32() == f32);

  const std::vector<double> f64{1e-300, -2.5, 3.141592653589793};
  const std::vector<std::int64_t> shape1{3};
  write_npy(dir / "b.npy", f64, shape1);
  auto b = read_npy(dir / "b.npy");
  CHECK(b.dtype == DType::f64);
  CHECK(b.shape == shape1);
  CHECK(b.to_f64() == f64);

  const std::vector<std::int32_t> i32{7, -1, 0, 2147483647, -2147483647 - 1, 5};
  const std::vector<std::int64_t> shape2{3, 2};
  write_npy(dir / "c.npy", i32, shape2);
  auto c = read_npy(dir / "c.npy");
  CHECK(c.dtype == DType::i32);
  CHECK(c.shape == shape2);
  CHECK(c.to_i32() == i32);

  const std::vector<double> scalar{42.0};
  write_npy(dir / "d.npy", scalar, std::vector<std::int64_t>{});
  auto d = read_npy(dir / "d.npy");
  CHECK(d.shape.empty());
  CHECK(d.to_f64() == scalar);

  const std::vector<float> empty;
  write_npy(dir / "e.npy", empty, std::vector<std::int64_t>{0, 5});
  CHECK(read_npy(dir / "e.npy").count() == 0);

  // Version 1.0 headers are padded to 64 bytes and end in a newline.
  const auto bytes = thermo::testing::read_file(dir / "a.npy");
  const std::size_t header = 10 + static_cast<unsigned char>(bytes[8]) + 256U * static_cast<unsigned char>(bytes[9]);
  CHECK(header % 64 == 0);
  CHECK(bytes[header - 1] == '\n');
  CHECK(bytes.size() == header + f32.size() * 4);
  std::filesystem::remove_all(dir);
}

TEST_CASE("npy: numpy.load reads what thermo writes, and thermo reads what numpy writes") {
  const auto probe = thermo::testing::run_command("/usr/bin/python3 -c 'import numpy'");
  if (probe.exit_code != 0) {
    MESSAGE("numpy is not importable by /usr/bin/python3; the numpy cross-check is skipped");
    return;
  }
  const auto dir = thermo::testing::scratch_dir("npy-numpy");
  std::vector<float> f32{1.5F, -2.0F, 3.25F, 0.0F, 1e-7F, 6.0F};
  write_npy(dir / "f32.npy", f32, std::vector<std::int64_t>{2, 3});
  std::vector<double> f64{0.1, 0.2, 0.3};
  write_npy(dir / "f64.npy", f64, std::vector<std::int64_t>{3});
  std::vector<std::int32_t> i32{3, 1, 4, 1};
  write_npy(dir / "i32.npy", i32, std::vector<std::int64_t>{1, 2, 2});
  const std::string script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "a = np.load(d + '/f32.npy'); assert a.dtype == np.float32 and a.shape == (2, 3), a\n"
      "assert (a == np.array([[1.5, -2, 3.25], [0, 1e-7, 6]], dtype=np.float32)).all()\n"
      "b = np.load(d + '/f64.npy'); assert b.dtype == np.float64 and b.shape == (3,)\n"
      "assert (b == np.array([0.1, 0.2, 0.3])).all()\n"
      "c = np.load(d + '/i32.npy'); assert c.dtype == np.int32 and c.shape == (1, 2, 2)\n"
      "assert (c.ravel() == [3, 1, 4, 1]).all()\n"
      "np.save(d + '/from_numpy.npy', np.arange(12, dtype=np.float64).reshape(3, 4) / 8)\n"
      "np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), dtype=np.float32)))\n"
      "np.save(d + '/int64.npy', np.arange(3))\n";
  thermo::testing::write_file(dir / "check.py", script);
  const auto result =
      thermo::testing::run_command("/usr/bin/python3 '" + (dir / "check.py").string() + "' '" + dir.string() + "'");
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto from_numpy = read_npy(dir / "from_numpy.npy");
  CHECK(from_numpy.shape == std::vector<std::int64_t>{3, 4});
  const auto values = from_numpy.to_f64();
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(values[i] == static_cast<double>(i) / 8);
  CHECK_THROWS_WITH_AS(read_npy(dir / "fortran.npy"), doctest::Contains("Fortran order"), thermo::UserError);
  CHECK_THROWS_WITH_AS(read_npy(dir / "int64.npy"), doctest::Contains("'<i8' is not supported"), thermo::UserError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("npy: missing, foreign and truncated files raise UserError naming the file") {
  const auto dir = thermo::testing::scratch_dir("npy-bad");
  CHECK_THROWS_WITH_AS(read_npy(dir / "absent.npy"), doctest::Contains("absent.npy"), thermo::UserError);
  thermo::testing::write_file(dir / "text.npy", "hello, this is not numpy");
  CHECK_THROWS_WITH_AS(read_npy(dir / "text.npy"), doctest::Contains("no NUMPY magic"), thermo::UserError);
  std::vector<float> values(100, 1.0F);
  write_npy(dir / "full.npy", values, std::vector<std::int64_t>{100});
  auto bytes = thermo::testing::read_file(dir / "full.npy");
  thermo::testing::write_file(dir / "cut.npy", bytes.substr(0, bytes.size() - 8));
  CHECK_THROWS_WITH_AS(read_npy(dir / "cut.npy"), doctest::Contains("truncated"), thermo::UserError);
  CHECK_THROWS_WITH_AS(read_npy(dir / "cut.npy"), doctest::Contains("cut.npy"), thermo::UserError);
  CHECK_THROWS_AS(write_npy(dir / "mismatch.npy", values, std::vector<std::int64_t>{3, 3}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(write_npy(dir / "no" / "such" / "dir.npy", values, std::vector<std::int64_t>{100}),
                       doctest::Contains("dir.npy"), thermo::UserError);
  std::filesystem::remove_all(dir);
}

// Found by the npy fuzzer (tests/fuzz/regressions/npy): an empty float32 array converted through a
// null data pointer, and a shape whose size overflows was allocated (std::length_error) instead of
// being refused.
TEST_CASE("npy: empty arrays convert; a shape larger than the file is refused before anything is allocated") {
  const auto dir = thermo::testing::scratch_dir("npy-shapes");
  write_npy(dir / "empty.npy", std::vector<float>{}, std::vector<std::int64_t>{0, 3});
  const auto empty = read_npy(dir / "empty.npy");
  CHECK(empty.count() == 0);
  CHECK(empty.to_f32().empty());
  CHECK(empty.to_f64().empty());

  write_npy(dir / "ints.npy", std::vector<std::int32_t>{}, std::vector<std::int64_t>{0});
  CHECK(read_npy(dir / "ints.npy").to_i32().empty());

  const auto header = [](const std::string& shape) {
    std::string text = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    text.append(117 - text.size(), ' ');  // 10 + 118 bytes: a 64-byte multiple, as numpy writes
    text += '\n';
    return std::string("\x93NUMPY\x01\x00", 8) + std::string("\x76\x00", 2) + text;
  };
  thermo::testing::write_file(dir / "huge.npy", header("(8875348047994464939,)") + std::string(16, '\0'));
  CHECK_THROWS_WITH_AS(read_npy(dir / "huge.npy"), doctest::Contains("more elements than any file can hold"),
                       thermo::UserError);
  thermo::testing::write_file(dir / "large.npy", header("(1000000000, 1000)") + std::string(16, '\0'));
  CHECK_THROWS_WITH_AS(read_npy(dir / "large.npy"),
                       doctest::Contains("the data are truncated (16 of 4000000000000 bytes)"), thermo::UserError);
  std::filesystem::remove_all(dir);
}
