#include "registry/plugin_permissions.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace thermo::engine {
namespace fs = std::filesystem;

namespace {

// The account's name, or its number when it has none.
std::string account(uid_t uid) {
  const passwd* entry = ::getpwuid(uid);
  return entry != nullptr ? std::string(entry->pw_name) : std::to_string(uid);
}

// "" when `path` (a file or folder, followed through links) is writable only by its owner and
// owned by this process's user or root; otherwise why not and the command that fixes it.
std::string unsafe_reason(const fs::path& path, const char* what) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    return fmt::format("{}: cannot check the plugin {}'s permissions: {}", path.string(), what, std::strerror(errno));
  }
  const uid_t me = ::geteuid();
  if (status.st_uid != me && status.st_uid != 0) {
    return fmt::format(
        "{}: refusing to load plugins from a {} owned by user {}: plugins are code, and only files and folders "
        "owned by you ({}) or root are trusted; fix: `chown {} '{}'`, or run thermo as {}",
        path.string(), what, account(status.st_uid), account(me), account(me), path.string(), account(status.st_uid));
  }
  const auto mode = static_cast<unsigned>(status.st_mode);
  const bool group = (mode & S_IWGRP) != 0U;
  const bool others = (mode & S_IWOTH) != 0U;
  if (!group && !others) return {};
  return fmt::format(
      "{}: refusing to load plugins from a {} that {} can write (mode {:04o}): plugins are code, and anyone who "
      "can write a plugin or its folder could make thermo run their code; fix: `chmod go-w '{}'`",
      path.string(), what,
      group && others ? "its group and every user"
      : group         ? "its group"
                      : "every user",
      mode & 07777U, path.string());
}

}  // namespace

std::string unsafe_plugin_reason(const fs::path& folder, const fs::path& file) {
  if (auto reason = unsafe_reason(folder, "folder"); !reason.empty()) return reason;
  if (auto reason = unsafe_reason(file, "file"); !reason.empty()) return reason;
  std::error_code error;
  if (fs::is_symlink(file, error)) {
    const fs::path target = fs::canonical(file, error);
    if (error) return fmt::format("{}: cannot resolve the link: {}", file.string(), error.message());
    if (auto reason = unsafe_reason(target.parent_path(), "folder"); !reason.empty()) return reason;
  }
  return {};
}

}  // namespace thermo::engine
