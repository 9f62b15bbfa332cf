// A preloaded library for tests (LD_PRELOAD): makes write(2) fail with ENOSPC (or the errno in
// THERMO_TEST_FAIL_ERRNO) on files whose path contains THERMO_TEST_FAIL_WRITE, once more than
// THERMO_TEST_FAIL_AFTER_BYTES bytes (default 0) were written to them. thermo itself has no test
// hook: this is the disk failing under it.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using WriteFunction = ssize_t (*)(int, const void*, size_t);

WriteFunction real_write() {
  static const auto function = reinterpret_cast<WriteFunction>(dlsym(RTLD_NEXT, "write"));
  return function;
}

std::atomic<long long> bytes_seen{0};

bool targets(int descriptor) {
  const char* pattern = std::getenv("THERMO_TEST_FAIL_WRITE");
  if (pattern == nullptr || *pattern == '\0') return false;
  char path[4096] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(descriptor);
  const ssize_t length = readlink(link.c_str(), path, sizeof path - 1);
  return length > 0 && std::strstr(path, pattern) != nullptr;
}

}  // namespace

extern "C" ssize_t write(int descriptor, const void* data, size_t size) {
  if (descriptor > 2 && targets(descriptor)) {
    const char* after = std::getenv("THERMO_TEST_FAIL_AFTER_BYTES");
    const long long limit = after != nullptr ? std::atoll(after) : 0;
    if (bytes_seen.fetch_add(static_cast<long long>(size)) + static_cast<long long>(size) > limit) {
      const char* error_number = std::getenv("THERMO_TEST_FAIL_ERRNO");
      errno = error_number != nullptr ? std::atoi(error_number) : ENOSPC;
      return -1;
    }
  }
  return real_write()(descriptor, data, size);
}
