// Resume states: in-memory and streamed archives give the same file, every entry round-trips,
// large entries are read from the file on demand, and a damaged file is refused.
#include "test_support.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/state.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <vector>

using thermo::StateArchive;
using thermo::UserError;
namespace fs = std::filesystem;

namespace {

void fill(StateArchive& archive, const std::vector<float>& large) {
  archive.put_i64("trainer.iteration", -42);
  archive.put_u64("flag", 7);
  archive.put_f64("pi", 3.141592653589793);
  archive.put_string("text", std::string("with\0nul", 8));
  thermo::Rng rng(5, "stream");
  rng.normal();  // leaves a cached normal
  archive.put_rng("rng", rng);
  archive.put_vector<float>("queue.slot.0", large);
  archive.put_vector<float>("empty", std::span<const float>());
}

std::vector<char> bytes_of(const fs::path& file) {
  const std::string text = thermo::testing::read_file(file);
  return {text.begin(), text.end()};
}

void write_bytes(const fs::path& file, const std::vector<char>& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("state archive: streamed and in-memory archives write the same bytes, and every entry round-trips") {
  const auto dir = thermo::testing::scratch_dir("state-archive");
  std::vector<float> large(600000);  // 2.4 MB: above the size kept in memory on load
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<float>(i) * 0.5F - 3.0F;

  StateArchive memory;
  fill(memory, large);
  memory.save(dir / "memory.thermo");
  {
    // A streamed archive must receive its keys in the same (sorted) order to give the same bytes.
    thermo::DurableFile out(dir / "streamed.thermo");
    StateArchive streamed(out);
    StateArchive sorted;
    fill(sorted, large);
    for (const auto& key : sorted.keys()) streamed.put_bytes(key, sorted.get_bytes(key));
    streamed.finish();
    out.commit();
  }
  CHECK(bytes_of(dir / "memory.thermo") == bytes_of(dir / "streamed.thermo"));

  const StateArchive loaded = StateArchive::load(dir / "streamed.thermo");
  CHECK(loaded.get_i64("trainer.iteration") == -42);
  CHECK(loaded.get_u64("flag") == 7);
  CHECK(loaded.get_f64("pi") == 3.141592653589793);
  CHECK(loaded.get_string("text") == std::string("with\0nul", 8));
  CHECK(loaded.get_vector<float>("queue.slot.0") == large);
  CHECK(loaded.get_vector<float>("empty").empty());
  CHECK(loaded.size_of("queue.slot.0") == large.size() * sizeof(float));
  thermo::Rng expected(5, "stream");
  expected.normal();
  thermo::Rng restored(0);
  loaded.get_rng("rng", restored);
  CHECK(restored.state() == expected.state());
  CHECK(restored.normal() == expected.normal());  // the cached value comes back too

  CHECK_THROWS_WITH_AS(static_cast<void>(loaded.get_i64("missing")), doctest::Contains("no entry 'missing'"),
                       UserError);
  CHECK_THROWS_WITH_AS(static_cast<void>(loaded.get_u64("pi_as_text")), doctest::Contains("pi_as_text"), UserError);
  CHECK_THROWS_WITH_AS(static_cast<void>(loaded.get_i64("empty")), doctest::Contains("has 0 bytes, expected 8"),
                       UserError);
}

TEST_CASE("state archive: a key put twice into a stream is a bug; a finished stream takes no more") {
  const auto dir = thermo::testing::scratch_dir("state-archive-keys");
  thermo::DurableFile out(dir / "s.thermo");
  StateArchive streamed(out);
  streamed.put_i64("a", 1);
  CHECK_THROWS_AS(streamed.put_i64("a", 2), std::logic_error);
  streamed.finish();
  CHECK_THROWS_AS(streamed.put_i64("b", 2), std::logic_error);
}

TEST_CASE("state archive: a torn, truncated, corrupted or foreign file is refused with its name") {
  const auto dir = thermo::testing::scratch_dir("state-archive-damage");
  std::vector<float> large(400000);
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<float>(i);
  StateArchive archive;
  fill(archive, large);
  archive.save(dir / "good.thermo");
  const auto good = bytes_of(dir / "good.thermo");
  REQUIRE(good.size() > 1600000);

  SUBCASE("every truncation point") {
    for (const std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{8}, std::size_t{20}, std::size_t{100},
                                   good.size() / 2, good.size() - 9, good.size() - 1}) {
      write_bytes(dir / "cut.thermo", std::vector<char>(good.begin(), good.begin() + static_cast<long>(size)));
      INFO("size " << size);
      CHECK_THROWS_WITH_AS(static_cast<void>(StateArchive::load(dir / "cut.thermo")), doctest::Contains("cut.thermo"),
                           UserError);
    }
  }
  SUBCASE("one flipped bit anywhere: the checksum catches it") {
    for (const std::size_t position : {std::size_t{30}, std::size_t{200}, good.size() / 3, good.size() - 12}) {
      auto bad = good;
      bad[position] = static_cast<char>(bad[position] ^ 0x10);
      write_bytes(dir / "flip.thermo", bad);
      INFO("position " << position);
      CHECK_THROWS_WITH_AS(static_cast<void>(StateArchive::load(dir / "flip.thermo")), doctest::Contains("corrupt"),
                           UserError);
    }
  }
  SUBCASE("trailing bytes after the end") {
    auto longer = good;
    longer.push_back('x');
    write_bytes(dir / "long.thermo", longer);
    CHECK_THROWS_WITH_AS(static_cast<void>(StateArchive::load(dir / "long.thermo")), doctest::Contains("trailer"),
                         UserError);
  }
  SUBCASE("another kind of file, and the first format") {
    write_bytes(dir / "other.thermo", std::vector<char>(64, 'a'));
    CHECK_THROWS_WITH_AS(static_cast<void>(StateArchive::load(dir / "other.thermo")),
                         doctest::Contains("not a thermo run state"), UserError);
    std::vector<char> old = {'T', 'H', 'E', 'R', 'M', 'O', 'S', '1', 0, 0, 0, 0, 0, 0, 0, 0};
    write_bytes(dir / "old.thermo", old);
    CHECK_THROWS_WITH_AS(static_cast<void>(StateArchive::load(dir / "old.thermo")), doctest::Contains("older thermo"),
                         UserError);
    CHECK_THROWS_WITH_AS(static_cast<void>(StateArchive::load(dir / "missing.thermo")),
                         doctest::Contains("missing.thermo"), UserError);
  }
}
