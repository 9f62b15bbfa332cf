// Fuzzes the resume checkpoint reader through its public entry, thermo::StateArchive::load(path),
// on a file holding the input (so the target follows the file format as it changes), then reads
// every entry back with each typed getter, as the components' load_state methods do.
#include "fuzz_support.hpp"

#include <thermo/error.hpp>
#include <thermo/rng.hpp>
#include <thermo/state.hpp>

#include <string>

namespace {
void read_back(const thermo::StateArchive& archive) {
  for (const std::string& key : archive.keys()) {
    const auto read = [&](auto getter) {
      try {
        getter();
      } catch (const thermo::UserError&) {
      }
    };
    read([&] { (void)archive.get_u64(key); });
    read([&] { (void)archive.get_i64(key); });
    read([&] { (void)archive.get_f64(key); });
    read([&] { (void)archive.get_string(key); });
    read([&] { (void)archive.get_vector<float>(key); });
    read([&] { (void)archive.get_bytes(key); });
    const std::string words_suffix = ".words";
    if (key.size() > words_suffix.size() && key.ends_with(words_suffix)) {
      thermo::Rng rng(1, "fuzz");
      read([&] { archive.get_rng(key.substr(0, key.size() - words_suffix.size()), rng); });
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  thermo::fuzz::silence_logging();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = thermo::fuzz::write_scratch_file("state.bin", {data, size});
  try {
    read_back(thermo::StateArchive::load(file));
  } catch (const thermo::UserError&) {
  }
  return 0;
}
