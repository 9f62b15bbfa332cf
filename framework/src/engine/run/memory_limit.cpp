#include "run/memory_limit.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace thermo::engine {
namespace {
namespace fs = std::filesystem;

constexpr const char* kLimitVariable = "THERMO_MEMORY_LIMIT_BYTES";

std::optional<std::uint64_t> parse_unsigned(const std::string& text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  try {
    return std::stoull(text);
  } catch (const std::out_of_range&) {
    return std::nullopt;
  }
}

// A field of /proc/meminfo in bytes ("MemAvailable:   23939312 kB").
std::optional<std::uint64_t> meminfo_bytes(const std::string& field) {
  std::ifstream file("/proc/meminfo");
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(field.size() + 1));
    std::uint64_t kilobytes = 0;
    if (fields >> kilobytes) return kilobytes * 1024;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_limit_file(const fs::path& file) {
  std::ifstream stream(file);
  std::string text;
  if (!(stream >> text)) return std::nullopt;
  return parse_unsigned(text);  // "max" (cgroup v2, no limit) is not a number
}

// The smallest memory limit of this process's cgroup and its ancestors: v2 memory.max, or v1
// memory.limit_in_bytes (whose "no limit" is a huge number, which loses every comparison).
// Inside a container the cgroup's path may not exist under the mount; its root is read then.
std::optional<std::pair<std::uint64_t, std::string>> cgroup_limit() {
  std::ifstream file("/proc/self/cgroup");
  std::string line;
  std::optional<std::pair<std::uint64_t, std::string>> smallest;
  while (std::getline(file, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    fs::path mount;
    std::string limit_file;
    if (controllers.empty()) {
      mount = "/sys/fs/cgroup";
      limit_file = "memory.max";
    } else if (controllers == "memory" || controllers.find("memory,") == 0 ||
               controllers.find(",memory") != std::string::npos) {
      mount = "/sys/fs/cgroup/memory";
      limit_file = "memory.limit_in_bytes";
    } else {
      continue;
    }
    for (fs::path path = mount / fs::path(line.substr(second + 1)).relative_path();; path = path.parent_path()) {
      if (const auto limit = read_limit_file(path / limit_file); limit && (!smallest || *limit < smallest->first)) {
        smallest = std::make_pair(*limit, (path / limit_file).string());
      }
      if (path == mount || path.string().size() <= mount.string().size()) break;
    }
  }
  return smallest;
}

}  // namespace

MemoryLimit machine_memory_limit() {
  if (const char* value = std::getenv(kLimitVariable); value != nullptr && *value != '\0') {
    const auto bytes = parse_unsigned(value);
    if (!bytes || *bytes == 0) {
      throw UserError(fmt::format("{}={}: expected a positive number of bytes", kLimitVariable, value));
    }
    return {*bytes, kLimitVariable};
  }
  MemoryLimit limit;
  const auto consider = [&](std::uint64_t bytes, std::string source) {
    if (limit.bytes == 0 || bytes < limit.bytes) limit = {bytes, std::move(source)};
  };
  if (const auto available = meminfo_bytes("MemAvailable")) {
    consider(*available, "MemAvailable in /proc/meminfo");
  } else if (const auto total = meminfo_bytes("MemTotal")) {
    consider(*total, "MemTotal in /proc/meminfo");
  }
  if (const auto cgroup = cgroup_limit()) consider(cgroup->first, cgroup->second);
  if (const char* slurm = std::getenv("SLURM_MEM_PER_NODE")) {
    if (const auto mebibytes = parse_unsigned(slurm); mebibytes && *mebibytes > 0) {
      consider(*mebibytes * 1024 * 1024, "SLURM_MEM_PER_NODE (the job's --mem)");
    }
  }
  return limit;
}

std::optional<std::uint64_t> slurm_memory_bytes(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string digits = text;
  std::uint64_t unit = 1024 * 1024;  // MiB without a suffix
  switch (std::toupper(static_cast<unsigned char>(text.back()))) {
    case 'K':
      unit = 1024;
      break;
    case 'M':
      unit = 1024 * 1024;
      break;
    case 'G':
      unit = 1024ULL * 1024 * 1024;
      break;
    case 'T':
      unit = 1024ULL * 1024 * 1024 * 1024;
      break;
    default:
      unit = 0;
      break;
  }
  if (unit != 0) {
    digits.pop_back();
  } else {
    unit = 1024 * 1024;
  }
  const auto number = parse_unsigned(digits);
  if (!number || *number == 0 || *number > std::numeric_limits<std::uint64_t>::max() / unit) return std::nullopt;
  return *number * unit;
}

void require_memory_fits(const MemoryProjection& projection, std::int64_t concurrent, const MemoryLimit& limit,
                         const std::string& what) {
  if (limit.bytes == 0) return;
  const auto count = static_cast<std::uint64_t>(std::max<std::int64_t>(1, concurrent));
  const std::uint64_t needed = projection.machine_total() * count;
  if (needed <= limit.bytes) return;
  std::string message = fmt::format("{} would need {} of memory at its peak", what, format_bytes(needed));
  if (count > 1) message += fmt::format(" ({} points at a time × {})", count, format_bytes(projection.machine_total()));
  message += fmt::format(", more than the {} this machine has ({}). The projection (docs/performance.md, \"Memory\"):",
                         format_bytes(limit.bytes), limit.source);
  for (const auto& line : describe_projection(projection)) message += "\n" + line;
  message +=
      "\nFewer estimator samples (queue, samples), a smaller data set or model, fewer --jobs, or a machine with "
      "more memory would fit; --ignore-memory-limit starts it anyway.";
  throw UserError(message);
}

}  // namespace thermo::engine
