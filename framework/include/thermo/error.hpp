#pragma once
// Errors a user can fix (a bad pipeline, missing data, a broken plugin file). The CLI prints
// them without a stack of internals and exits with code 2 (3 for a StorageError, see
// durable_file.hpp); anything else is a bug (exit 1).

#include <boost/config.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace thermo {

// Where in a file something is; line and column are 1-based, 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:col", "file:line", "file" or "" — the compiler-style prefix without ": ".
  [[nodiscard]] std::string to_string() const;
};

class BOOST_SYMBOL_VISIBLE UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
  UserError(SourceLocation location, std::string key_path, const std::string& message);

  [[nodiscard]] const SourceLocation& location() const { return location_; }
  [[nodiscard]] const std::string& key_path() const { return key_path_; }
  // The bare message, without location and key path.
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  SourceLocation location_;
  std::string key_path_;
  std::string message_;
};

// Several user errors collected before giving up (validation reports them all at once).
class BOOST_SYMBOL_VISIBLE UserErrors : public std::runtime_error {
 public:
  explicit UserErrors(std::vector<UserError> errors);
  [[nodiscard]] const std::vector<UserError>& errors() const { return errors_; }

 private:
  std::vector<UserError> errors_;
};

// Formats one error compiler-style: `file:line:col: error: key.path: message`.
[[nodiscard]] std::string format_error(const UserError& error);

// Exit codes of the CLI.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitUserError = 2;
inline constexpr int kExitStorage = 3;      // a file could not be written (full disk, I/O error)
inline constexpr int kExitInterrupted = 4;  // a signal stopped the run after it wrote its resume state

}  // namespace thermo
