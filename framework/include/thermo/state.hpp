#pragma once
// A run's whole state as named binary blobs, so that it can be saved to one file and restored
// exactly (resuming a killed run with byte-identical results). Every stateful component
// (model, optimizer, sampler, estimators, recorder) writes its part under its own prefix.

#include <thermo/rng.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace thermo {

class BOOST_SYMBOL_VISIBLE StateArchive {
 public:
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

  [[nodiscard]] bool has(const std::string& key) const { return entries_.count(key) != 0; }
  // Getters throw UserError naming the key when it is missing or of the wrong size.
  [[nodiscard]] const std::vector<std::byte>& get_bytes(const std::string& key) const;
  [[nodiscard]] std::uint64_t get_u64(const std::string& key) const;
  [[nodiscard]] std::int64_t get_i64(const std::string& key) const;
  [[nodiscard]] double get_f64(const std::string& key) const;
  [[nodiscard]] std::string get_string(const std::string& key) const;
  void get_rng(const std::string& key, Rng& rng) const;
  template <class T>
  [[nodiscard]] std::vector<T> get_vector(const std::string& key) const {
    const auto& bytes = get_bytes(key);
    std::vector<T> values(bytes.size() / sizeof(T));
    // An empty entry's data() may be null, and memcpy from null is undefined even for 0 bytes.
    if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
  }

  [[nodiscard]] const std::map<std::string, std::vector<std::byte>>& entries() const { return entries_; }

  // One file, written to a temporary name and renamed, so a kill never leaves half a state.
  void save(const std::filesystem::path& file) const;
  [[nodiscard]] static StateArchive load(const std::filesystem::path& file);

 private:
  std::map<std::string, std::vector<std::byte>> entries_;
};

}  // namespace thermo
