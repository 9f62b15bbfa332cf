#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/state.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

// File layout: "THERMOS2", then per entry: u64 key size, key, u64 value size, value; then the
// end marker (u64 all ones), u64 entry count, u32 CRC-32 of every byte before the CRC, "END!".
// Integers are little-endian (the machines thermo runs on).
namespace thermo {
namespace {
constexpr char kMagic[8] = {'T', 'H', 'E', 'R', 'M', 'O', 'S', '2'};
constexpr char kOldMagic[8] = {'T', 'H', 'E', 'R', 'M', 'O', 'S', '1'};
constexpr char kEnd[4] = {'E', 'N', 'D', '!'};
constexpr std::uint64_t kEndMarker = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMaxKeySize = 4096;
// Entries from this size up stay in the file until asked for.
constexpr std::uint64_t kLazyEntryBytes = 1U << 20U;

std::uint32_t crc_update(std::uint32_t crc, std::span<const std::byte> bytes) {
  return static_cast<std::uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<z_size_t>(bytes.size())));
}

template <class T>
std::span<const std::byte> bytes_of(const T& value) {
  return std::as_bytes(std::span<const T>(&value, 1));
}

template <class T>
void put_pod(StateArchive& archive, const std::string& key, const T& value) {
  archive.put_bytes(key, bytes_of(value));
}

template <class T>
T get_pod(const StateArchive& archive, const std::string& key) {
  T value;
  archive.get_into(key, std::as_writable_bytes(std::span<T>(&value, 1)));
  return value;
}

// Reads a state file sequentially, keeping the running CRC of what it read.
class CheckedReader {
 public:
  explicit CheckedReader(const std::filesystem::path& file) : file_(file), in_(file, std::ios::binary) {
    if (!in_) throw UserError(SourceLocation{file.string()}, "", "cannot read the run state");
    in_.seekg(0, std::ios::end);
    size_ = static_cast<std::uint64_t>(in_.tellg());
    in_.seekg(0);
  }
  void read(std::span<std::byte> dst) {
    if (dst.size() > size_ - offset_) fail("truncated run state (a torn or partial file)");
    in_.read(reinterpret_cast<char*>(dst.data()), static_cast<std::streamsize>(dst.size()));
    if (!in_) fail("cannot read the run state");
    crc_ = crc_update(crc_, dst);
    offset_ += dst.size();
  }
  // Reads and checksums `size` bytes without keeping them.
  void skip(std::uint64_t size) {
    std::vector<std::byte> buffer(std::min<std::uint64_t>(size, 1U << 20U));
    while (size > 0) {
      const auto chunk = std::min<std::uint64_t>(size, buffer.size());
      read(std::span<std::byte>(buffer.data(), chunk));
      size -= chunk;
    }
  }
  std::uint64_t read_u64() {
    std::uint64_t value = 0;
    read(std::as_writable_bytes(std::span<std::uint64_t>(&value, 1)));
    return value;
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw UserError(SourceLocation{file_.string()}, "", message);
  }
  [[nodiscard]] std::uint32_t crc() const { return crc_; }
  [[nodiscard]] std::uint64_t offset() const { return offset_; }
  [[nodiscard]] std::uint64_t remaining() const { return size_ - offset_; }

 private:
  std::filesystem::path file_;
  std::ifstream in_;
  std::uint64_t size_ = 0;
  std::uint64_t offset_ = 0;
  std::uint32_t crc_ = 0;
};

}  // namespace

StateArchive::StateArchive() = default;
StateArchive::StateArchive(DurableFile& sink) : sink_(&sink) {
  checksum_ = crc_update(0, std::as_bytes(std::span<const char>(kMagic, sizeof kMagic)));
  sink_->write(std::as_bytes(std::span<const char>(kMagic, sizeof kMagic)));
}
StateArchive::StateArchive(StateArchive&&) noexcept = default;
StateArchive& StateArchive::operator=(StateArchive&&) noexcept = default;
StateArchive::~StateArchive() = default;

void StateArchive::write_entry(const std::string& key, std::span<const std::byte> bytes) {
  const std::uint64_t key_size = key.size();
  const std::uint64_t value_size = bytes.size();
  const auto key_bytes = std::as_bytes(std::span<const char>(key.data(), key.size()));
  for (const auto part : {bytes_of(key_size), key_bytes, bytes_of(value_size), bytes}) {
    checksum_ = crc_update(checksum_, part);
    sink_->write(part);
  }
}

void StateArchive::put_bytes(const std::string& key, std::span<const std::byte> bytes) {
  if (key.empty() || key.size() > kMaxKeySize) throw std::invalid_argument("run state key must have 1 to 4096 bytes");
  if (sink_ == nullptr) {
    Stored stored;
    stored.bytes.assign(bytes.begin(), bytes.end());
    stored.size = bytes.size();
    entries_[key] = std::move(stored);
    return;
  }
  if (finished_) throw std::logic_error("StateArchive: put after finish()");
  if (!streamed_keys_.insert(key).second) throw std::logic_error("StateArchive: key '" + key + "' put twice");
  write_entry(key, bytes);
}
void StateArchive::put_u64(const std::string& key, std::uint64_t value) {
  put_pod(*this, key, value);
}
void StateArchive::put_i64(const std::string& key, std::int64_t value) {
  put_pod(*this, key, value);
}
void StateArchive::put_f64(const std::string& key, double value) {
  put_pod(*this, key, value);
}
void StateArchive::put_string(const std::string& key, const std::string& value) {
  put_bytes(key, std::as_bytes(std::span<const char>(value.data(), value.size())));
}
void StateArchive::put_rng(const std::string& key, const Rng& rng) {
  const auto& state = rng.state();
  put_vector<std::uint64_t>(key + ".words", state.words);
  put_u64(key + ".has_spare", state.has_spare_normal ? 1 : 0);
  put_f64(key + ".spare", state.spare_normal);
}

bool StateArchive::has(const std::string& key) const {
  return entries_.count(key) != 0;
}

std::vector<std::string> StateArchive::keys() const {
  std::vector<std::string> names;
  for (const auto& [key, stored] : entries_) names.push_back(key);
  return names;
}

const StateArchive::Stored& StateArchive::find(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) throw UserError(fmt::format("run state has no entry '{}'", key));
  return it->second;
}

std::uint64_t StateArchive::size_of(const std::string& key) const {
  return find(key).size;
}

void StateArchive::throw_size_mismatch(const std::string& key, std::uint64_t bytes, std::size_t element) {
  throw UserError(
      fmt::format("run state entry '{}' has {} bytes, not a whole number of {}-byte values", key, bytes, element));
}

void StateArchive::get_into(const std::string& key, std::span<std::byte> dst) const {
  const Stored& stored = find(key);
  if (stored.size != dst.size()) {
    throw UserError(fmt::format("run state entry '{}' has {} bytes, expected {}", key, stored.size, dst.size()));
  }
  if (!stored.in_file) {
    std::copy(stored.bytes.begin(), stored.bytes.end(), dst.begin());
    return;
  }
  std::ifstream in(source_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(stored.offset));
  in.read(reinterpret_cast<char*>(dst.data()), static_cast<std::streamsize>(dst.size()));
  if (!in) throw UserError(SourceLocation{source_.string()}, "", fmt::format("cannot read run state entry '{}'", key));
}

std::vector<std::byte> StateArchive::get_bytes(const std::string& key) const {
  std::vector<std::byte> bytes(size_of(key));
  get_into(key, bytes);
  return bytes;
}
std::uint64_t StateArchive::get_u64(const std::string& key) const {
  return get_pod<std::uint64_t>(*this, key);
}
std::int64_t StateArchive::get_i64(const std::string& key) const {
  return get_pod<std::int64_t>(*this, key);
}
double StateArchive::get_f64(const std::string& key) const {
  return get_pod<double>(*this, key);
}
std::string StateArchive::get_string(const std::string& key) const {
  const auto bytes = get_bytes(key);
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

void StateArchive::finish() {
  if (sink_ == nullptr) throw std::logic_error("StateArchive::finish on an in-memory archive");
  if (finished_) throw std::logic_error("StateArchive::finish twice");
  const std::uint64_t count = streamed_keys_.size();
  for (const auto part : {bytes_of(kEndMarker), bytes_of(count)}) {
    checksum_ = crc_update(checksum_, part);
    sink_->write(part);
  }
  sink_->write(bytes_of(checksum_));
  sink_->write(std::as_bytes(std::span<const char>(kEnd, sizeof kEnd)));
  finished_ = true;
}

void StateArchive::save(const std::filesystem::path& file) const {
  if (sink_ != nullptr) throw std::logic_error("StateArchive::save on a streaming archive");
  DurableFile out(file);
  StateArchive stream(out);
  for (const auto& [key, stored] : entries_) {
    if (stored.in_file) {
      stream.put_bytes(key, get_bytes(key));
    } else {
      stream.put_bytes(key, stored.bytes);
    }
  }
  stream.finish();
  out.commit();
}

StateArchive StateArchive::load(const std::filesystem::path& file) {
  CheckedReader reader(file);
  char magic[sizeof kMagic] = {};
  if (reader.remaining() < sizeof magic) reader.fail("not a thermo run state (too short)");
  reader.read(std::as_writable_bytes(std::span<char>(magic, sizeof magic)));
  if (std::memcmp(magic, kOldMagic, sizeof magic) == 0) {
    reader.fail("a run state of an older thermo (format 1, without a checksum); start the run over with --force");
  }
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) reader.fail("not a thermo run state");
  StateArchive archive;
  archive.source_ = file;
  while (true) {
    const std::uint64_t key_size = reader.read_u64();
    if (key_size == kEndMarker) break;
    if (key_size == 0 || key_size > kMaxKeySize)
      reader.fail(fmt::format("corrupt run state (a key of {} bytes)", key_size));
    std::string key(key_size, '\0');
    reader.read(std::as_writable_bytes(std::span<char>(key.data(), key.size())));
    const std::uint64_t value_size = reader.read_u64();
    if (value_size > reader.remaining()) reader.fail("truncated run state (a torn or partial file)");
    Stored stored;
    stored.size = value_size;
    if (value_size >= kLazyEntryBytes) {
      stored.in_file = true;
      stored.offset = reader.offset();
      reader.skip(value_size);
    } else {
      stored.bytes.resize(value_size);
      reader.read(stored.bytes);
    }
    if (!archive.entries_.emplace(std::move(key), std::move(stored)).second)
      reader.fail("corrupt run state (a key twice)");
  }
  const std::uint64_t count = reader.read_u64();
  const std::uint32_t expected = reader.crc();
  std::uint32_t stored_crc = 0;
  char end[sizeof kEnd] = {};
  reader.read(std::as_writable_bytes(std::span<std::uint32_t>(&stored_crc, 1)));
  reader.read(std::as_writable_bytes(std::span<char>(end, sizeof end)));
  if (std::memcmp(end, kEnd, sizeof kEnd) != 0 || reader.remaining() != 0)
    reader.fail("corrupt run state (bad trailer)");
  if (stored_crc != expected) reader.fail("corrupt run state (checksum mismatch)");
  if (count != archive.entries_.size()) reader.fail("corrupt run state (entry count mismatch)");
  return archive;
}

}  // namespace thermo
