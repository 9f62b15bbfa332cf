#pragma once
// The one way thermo writes a file that matters (summary.json, manifest.json, checkpoints,
// analysis tables, npy files, resume state): into a temporary file in the same directory, every
// write and the close checked, fsync, rename over the target, fsync of the directory. A kill, a
// crash or a full disk leaves either the old file or the new one, never a torn one, and a failed
// write throws StorageError naming the file and the space left. Line-appended logs (metrics.csv)
// use AppendedFile: one write(2) per line, so a kill tears at most the last line.

#include <thermo/error.hpp>

#include <boost/config.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace thermo {

// A file could not be written (full disk, quota, I/O error). The CLI exits with kExitStorage.
class BOOST_SYMBOL_VISIBLE StorageError : public UserError {
 public:
  StorageError(const std::filesystem::path& file, const std::string& what, int error_number);
  [[nodiscard]] int error_number() const { return error_number_; }

 private:
  int error_number_;
};

class BOOST_SYMBOL_VISIBLE DurableFile {
 public:
  // Creates a unique temporary next to `target` (the target is untouched until commit()).
  explicit DurableFile(std::filesystem::path target);
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;
  // Removes the temporary file unless committed.
  ~DurableFile();

  void write(std::span<const std::byte> bytes);
  void write(std::string_view text);
  // fsync, close, rename over the target, fsync the directory. Once.
  void commit();

  [[nodiscard]] const std::filesystem::path& target() const { return target_; }
  [[nodiscard]] std::uint64_t bytes_written() const { return bytes_written_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int descriptor_ = -1;
  std::uint64_t bytes_written_ = 0;
};

void write_file_durably(const std::filesystem::path& file, std::string_view text);
void write_file_durably(const std::filesystem::path& file, std::span<const std::byte> bytes);

// A text file grown line by line (metrics.csv): each append is one write(2) of a whole line,
// checked; an append that fails (full disk) is taken back, so the file keeps only whole lines;
// sync() makes what was appended durable.
class BOOST_SYMBOL_VISIBLE AppendedFile {
 public:
  enum class Start { truncate, append };
  AppendedFile(std::filesystem::path file, Start start);
  AppendedFile(const AppendedFile&) = delete;
  AppendedFile& operator=(const AppendedFile&) = delete;
  ~AppendedFile();

  void append(std::string_view text);
  void sync();
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  int descriptor_ = -1;
  std::int64_t size_ = 0;
};

// fsync of a directory, so that a rename or a new file in it survives a power loss.
void sync_directory(const std::filesystem::path& directory);

// Bytes free to an unprivileged user on the file system holding `path` (or its parent), -1 if unknown.
[[nodiscard]] std::int64_t free_bytes(const std::filesystem::path& path);

}  // namespace thermo
