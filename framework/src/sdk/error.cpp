#include <thermo/error.hpp>

#include <fmt/format.h>

namespace thermo {

std::string SourceLocation::to_string() const {
  if (file.empty()) return {};
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string compose(const SourceLocation& location, const std::string& key_path, const std::string& message) {
  std::string text;
  const std::string where = location.to_string();
  if (!where.empty()) text += where + ": ";
  text += "error: ";
  if (!key_path.empty()) text += key_path + ": ";
  text += message;
  return text;
}
}  // namespace

UserError::UserError(SourceLocation location, std::string key_path, const std::string& message)
    : std::runtime_error(compose(location, key_path, message)),
      location_(std::move(location)),
      key_path_(std::move(key_path)),
      message_(message) {}

UserErrors::UserErrors(std::vector<UserError> errors)
    : std::runtime_error(errors.empty() ? std::string("no errors") : format_error(errors.front())),
      errors_(std::move(errors)) {}

std::string format_error(const UserError& error) {
  if (error.message().empty() && error.key_path().empty() && error.location().file.empty()) {
    return std::string("error: ") + error.what();
  }
  return compose(error.location(), error.key_path(), error.message());
}

}  // namespace thermo
