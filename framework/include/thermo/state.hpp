#pragma once
// A run's whole state as named binary blobs, so that it can be saved to one file and restored
// exactly (resuming a killed run with byte-identical results). Every stateful component
// (model, optimizer, sampler, estimators, recorder) writes its part under its own prefix.
//
// An archive lives in memory, or streams to a file as it is filled (StateArchive(DurableFile&)):
// a queue of a thousand iterates is then never held twice. A loaded archive keeps small entries
// in memory and reads large ones from the file when asked, so restoring does not hold a second
// copy either. The file ends with the entry count and a CRC-32 of everything before it; a torn,
// truncated or corrupted file is refused with a UserError naming it.

#include <thermo/rng.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace thermo {

class DurableFile;

class BOOST_SYMBOL_VISIBLE StateArchive {
 public:
  // In memory; save() writes it to a file.
  StateArchive();
  // Streaming: each put writes its entry to `sink` at once; finish() writes the trailer, then the
  // caller commits the file. A key may be put once.
  explicit StateArchive(DurableFile& sink);
  StateArchive(StateArchive&&) noexcept;
  StateArchive& operator=(StateArchive&&) noexcept;
  ~StateArchive();

  void put_bytes(const std::string& key, std::span<const std::byte> bytes);
  void put_u64(const std::string& key, std::uint64_t value);
  void put_i64(const std::string& key, std::int64_t value);
  void put_f64(const std::string& key, double value);
  void put_string(const std::string& key, const std::string& value);
  void put_rng(const std::string& key, const Rng& rng);
  template <class T>
  void put_vector(const std::string& key, std::span<const T> values) {
    put_bytes(key, std::as_bytes(values));
  }

  [[nodiscard]] bool has(const std::string& key) const;
  [[nodiscard]] std::vector<std::string> keys() const;
  // Size in bytes of an entry; throws UserError when it is missing.
  [[nodiscard]] std::uint64_t size_of(const std::string& key) const;
  // Getters throw UserError naming the key when it is missing or of the wrong size.
  [[nodiscard]] std::vector<std::byte> get_bytes(const std::string& key) const;
  [[nodiscard]] std::uint64_t get_u64(const std::string& key) const;
  [[nodiscard]] std::int64_t get_i64(const std::string& key) const;
  [[nodiscard]] double get_f64(const std::string& key) const;
  [[nodiscard]] std::string get_string(const std::string& key) const;
  void get_rng(const std::string& key, Rng& rng) const;
  // Copies an entry into dst, whose size must be the entry's.
  void get_into(const std::string& key, std::span<std::byte> dst) const;
  template <class T>
  [[nodiscard]] std::vector<T> get_vector(const std::string& key) const {
    const std::uint64_t bytes = size_of(key);
    std::vector<T> values(bytes / sizeof(T));
    if (values.size() * sizeof(T) != bytes) throw_size_mismatch(key, bytes, sizeof(T));
    get_into(key, std::as_writable_bytes(std::span<T>(values)));
    return values;
  }

  // Streaming archives: writes the trailer (count and checksum). Then commit the DurableFile.
  void finish();
  // In-memory archives: one file, written durably (temporary, fsync, rename).
  void save(const std::filesystem::path& file) const;
  [[nodiscard]] static StateArchive load(const std::filesystem::path& file);

 private:
  struct Stored {
    std::vector<std::byte> bytes;  // small entries, and every entry of an in-memory archive
    std::uint64_t offset = 0;      // large entries of a loaded archive: where the value starts
    std::uint64_t size = 0;
    bool in_file = false;
  };
  [[noreturn]] static void throw_size_mismatch(const std::string& key, std::uint64_t bytes, std::size_t element);
  const Stored& find(const std::string& key) const;
  void write_entry(const std::string& key, std::span<const std::byte> bytes);

  std::map<std::string, Stored> entries_;
  std::set<std::string> streamed_keys_;
  DurableFile* sink_ = nullptr;
  std::uint32_t checksum_ = 0;
  bool finished_ = false;
  std::filesystem::path source_;  // a loaded archive's file, for its large entries
};

}  // namespace thermo
