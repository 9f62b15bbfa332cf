#include <thermo/durable_file.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace thermo {
namespace {

std::string describe_space(const std::filesystem::path& file) {
  const std::int64_t free = free_bytes(file);
  if (free < 0) return {};
  if (free < 10 * 1024) return fmt::format(" ({} bytes free there)", free);
  if (free < 10 * 1024 * 1024) return fmt::format(" ({:.1f} KiB free there)", static_cast<double>(free) / 1024.0);
  return fmt::format(" ({:.1f} MiB free there)", static_cast<double>(free) / (1024.0 * 1024.0));
}

std::string compose(const std::filesystem::path& file, const std::string& what, int error_number) {
  return fmt::format("{}: {}{}", what, std::strerror(error_number), describe_space(file));
}

// Writes all of `bytes`, retrying short writes and EINTR; returns 0 or the errno of the failure.
int write_all(int descriptor, const std::byte* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(descriptor, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return ENOSPC;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return 0;
}

}  // namespace

StorageError::StorageError(const std::filesystem::path& file, const std::string& what, int error_number)
    : UserError(SourceLocation{file.string()}, "", compose(file, what, error_number)), error_number_(error_number) {}

std::int64_t free_bytes(const std::filesystem::path& path) {
  std::filesystem::path probe = path;
  struct statvfs info {};
  while (!probe.empty()) {
    if (::statvfs(probe.c_str(), &info) == 0) {
      return static_cast<std::int64_t>(info.f_bavail) * static_cast<std::int64_t>(info.f_frsize);
    }
    if (probe == probe.parent_path()) break;
    probe = probe.parent_path();
  }
  return -1;
}

void sync_directory(const std::filesystem::path& directory) {
  const std::filesystem::path dir = directory.empty() ? std::filesystem::path(".") : directory;
  const int descriptor = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor < 0) throw StorageError(dir, "cannot open the directory to sync it", errno);
  const int result = ::fsync(descriptor);
  const int error_number = errno;
  ::close(descriptor);
  // Some file systems cannot sync a directory (EINVAL); the rename is then as durable as it gets.
  if (result != 0 && error_number != EINVAL) throw StorageError(dir, "cannot sync the directory", error_number);
}

DurableFile::DurableFile(std::filesystem::path target) : target_(std::move(target)) {
  std::string pattern = target_.string() + ".partial-XXXXXX";
  descriptor_ = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (descriptor_ < 0) throw StorageError(target_, "cannot create a temporary file to write", errno);
  temporary_ = pattern;
}

DurableFile::~DurableFile() {
  if (descriptor_ >= 0) ::close(descriptor_);
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

void DurableFile::write(std::span<const std::byte> bytes) {
  if (descriptor_ < 0) throw std::logic_error("DurableFile::write after commit");
  if (const int error_number = write_all(descriptor_, bytes.data(), bytes.size()); error_number != 0) {
    throw StorageError(target_, fmt::format("cannot write (after {} bytes)", bytes_written_), error_number);
  }
  bytes_written_ += bytes.size();
}

void DurableFile::write(std::string_view text) {
  write(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void DurableFile::commit() {
  if (descriptor_ < 0) throw std::logic_error("DurableFile::commit twice");
  if (::fsync(descriptor_) != 0) throw StorageError(target_, "cannot sync the file", errno);
  const int descriptor = descriptor_;
  descriptor_ = -1;
  if (::close(descriptor) != 0) throw StorageError(target_, "cannot close the file", errno);
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    throw StorageError(target_, "cannot rename the temporary file into place", errno);
  }
  temporary_.clear();
  sync_directory(target_.parent_path());
}

void write_file_durably(const std::filesystem::path& file, std::span<const std::byte> bytes) {
  DurableFile out(file);
  out.write(bytes);
  out.commit();
}

void write_file_durably(const std::filesystem::path& file, std::string_view text) {
  write_file_durably(file, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

AppendedFile::AppendedFile(std::filesystem::path file, Start start) : file_(std::move(file)) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (start == Start::truncate ? O_TRUNC : O_APPEND);
  descriptor_ = ::open(file_.c_str(), flags, 0644);
  if (descriptor_ < 0) throw StorageError(file_, "cannot open the file to write", errno);
  size_ = ::lseek(descriptor_, 0, SEEK_END);
}

AppendedFile::~AppendedFile() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

void AppendedFile::append(std::string_view text) {
  if (const int error_number = write_all(descriptor_, reinterpret_cast<const std::byte*>(text.data()), text.size());
      error_number != 0) {
    // Take back the part that was written: a reader never sees a torn line.
    if (::ftruncate(descriptor_, size_) != 0) {
      // Nothing more to do: the caller reports the first failure.
    }
    ::lseek(descriptor_, 0, SEEK_END);
    throw StorageError(file_, "cannot append", error_number);
  }
  size_ += static_cast<std::int64_t>(text.size());
}

void AppendedFile::sync() {
  if (::fdatasync(descriptor_) != 0) throw StorageError(file_, "cannot sync the file", errno);
}

}  // namespace thermo
