#include <thermo/error.hpp>
#include <thermo/state.hpp>

#include <fmt/format.h>

#include <cstring>
#include <fstream>

namespace thermo {
namespace {
constexpr char kMagic[8] = {'T', 'H', 'E', 'R', 'M', 'O', 'S', '1'};

template <class T>
void put_pod(StateArchive& archive, const std::string& key, const T& value) {
  archive.put_bytes(key, std::as_bytes(std::span<const T>(&value, 1)));
}

template <class T>
T get_pod(const StateArchive& archive, const std::string& key) {
  const auto& bytes = archive.get_bytes(key);
  if (bytes.size() != sizeof(T)) {
    throw UserError(fmt::format("run state entry '{}' has {} bytes, expected {}", key, bytes.size(), sizeof(T)));
  }
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}
}  // namespace

void StateArchive::put_bytes(const std::string& key, std::span<const std::byte> bytes) {
  entries_[key].assign(bytes.begin(), bytes.end());
}
void StateArchive::put_u64(const std::string& key, std::uint64_t value) { put_pod(*this, key, value); }
void StateArchive::put_i64(const std::string& key, std::int64_t value) { put_pod(*this, key, value); }
void StateArchive::put_f64(const std::string& key, double value) { put_pod(*this, key, value); }
void StateArchive::put_string(const std::string& key, const std::string& value) {
  put_bytes(key, std::as_bytes(std::span<const char>(value.data(), value.size())));
}
void StateArchive::put_rng(const std::string& key, const Rng& rng) {
  const auto& state = rng.state();
  put_vector<std::uint64_t>(key + ".words", state.words);
  put_u64(key + ".has_spare", state.has_spare_normal ? 1 : 0);
  put_f64(key + ".spare", state.spare_normal);
}

const std::vector<std::byte>& StateArchive::get_bytes(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) throw UserError(fmt::format("run state has no entry '{}'", key));
  return it->second;
}
std::uint64_t StateArchive::get_u64(const std::string& key) const { return get_pod<std::uint64_t>(*this, key); }
std::int64_t StateArchive::get_i64(const std::string& key) const { return get_pod<std::int64_t>(*this, key); }
double StateArchive::get_f64(const std::string& key) const { return get_pod<double>(*this, key); }
std::string StateArchive::get_string(const std::string& key) const {
  const auto& bytes = get_bytes(key);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
void StateArchive::get_rng(const std::string& key, Rng& rng) const {
  Rng::State state;
  const auto words = get_vector<std::uint64_t>(key + ".words");
  if (words.size() != state.words.size()) throw UserError(fmt::format("run state entry '{}' is malformed", key));
  std::copy(words.begin(), words.end(), state.words.begin());
  state.has_spare_normal = get_u64(key + ".has_spare") != 0;
  state.spare_normal = get_f64(key + ".spare");
  rng.set_state(state);
}

void StateArchive::save(const std::filesystem::path& file) const {
  const auto temporary = std::filesystem::path(file).concat(".partial");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw UserError(fmt::format("cannot write run state {}", file.string()));
    out.write(kMagic, sizeof kMagic);
    const std::uint64_t count = entries_.size();
    out.write(reinterpret_cast<const char*>(&count), sizeof count);
    for (const auto& [key, bytes] : entries_) {
      const std::uint64_t key_size = key.size();
      const std::uint64_t value_size = bytes.size();
      out.write(reinterpret_cast<const char*>(&key_size), sizeof key_size);
      out.write(key.data(), static_cast<std::streamsize>(key.size()));
      out.write(reinterpret_cast<const char*>(&value_size), sizeof value_size);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    if (!out) throw UserError(fmt::format("cannot write run state {}", file.string()));
  }
  std::filesystem::rename(temporary, file);
}

StateArchive StateArchive::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read run state {}", file.string()));
  char magic[sizeof kMagic] = {};
  in.read(magic, sizeof magic);
  if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
    throw UserError(fmt::format("{}: not a thermo run state", file.string()));
  }
  StateArchive archive;
  // No entry can be larger than the file: sizes beyond it are refused before anything is allocated.
  std::error_code size_error;
  const std::uint64_t file_size = std::filesystem::file_size(file, size_error);
  std::uint64_t count = 0;
  in.read(reinterpret_cast<char*>(&count), sizeof count);
  for (std::uint64_t i = 0; in && i < count; ++i) {
    std::uint64_t key_size = 0, value_size = 0;
    in.read(reinterpret_cast<char*>(&key_size), sizeof key_size);
    if (!in || key_size > 4096) break;
    std::string key(key_size, '\0');
    in.read(key.data(), static_cast<std::streamsize>(key_size));
    in.read(reinterpret_cast<char*>(&value_size), sizeof value_size);
    if (!in || size_error || value_size > file_size) break;
    std::vector<std::byte> bytes(value_size);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(value_size));
    archive.entries_[key] = std::move(bytes);
  }
  if (!in || archive.entries_.size() != count) throw UserError(fmt::format("{}: truncated run state", file.string()));
  return archive;
}

}  // namespace thermo
