#pragma once
// Collects the user errors of one load so that all of them are reported together, sorted by
// where they are (the pipeline file first, then command-line and sweep values).

#include <thermo/error.hpp>

#include <string>
#include <vector>

namespace thermo::engine {

class Diagnostics {
 public:
  void error(SourceLocation location, std::string key_path, const std::string& message);
  void add(const UserError& error) { errors_.push_back(error); }

  [[nodiscard]] bool empty() const { return errors_.empty(); }
  [[nodiscard]] std::size_t size() const { return errors_.size(); }
  [[nodiscard]] const std::vector<UserError>& errors() const { return errors_; }

  // Sorted (errors in `primary_file` first, then by file, line, column), repeats removed.
  [[nodiscard]] std::vector<UserError> sorted(const std::string& primary_file) const;
  // Throws UserErrors with the sorted errors when there is any.
  void throw_if_any(const std::string& primary_file) const;

 private:
  std::vector<UserError> errors_;
};

}  // namespace thermo::engine
