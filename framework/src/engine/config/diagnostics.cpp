#include "config/diagnostics.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>

namespace thermo::engine {

namespace {
constexpr std::size_t kMostErrorsShown = 100;
}  // namespace

void Diagnostics::error(SourceLocation location, std::string key_path, const std::string& message) {
  errors_.emplace_back(std::move(location), std::move(key_path), message);
}

std::vector<UserError> Diagnostics::sorted(const std::string& primary_file) const {
  std::vector<UserError> result = errors_;
  const auto order = [&primary_file](const UserError& error) {
    const auto& where = error.location();
    return std::make_tuple(where.file != primary_file, where.file, where.line, where.column);
  };
  std::stable_sort(result.begin(), result.end(),
                   [&order](const UserError& a, const UserError& b) { return order(a) < order(b); });
  std::vector<UserError> unique;
  std::unordered_set<std::string> seen;
  std::size_t left_out = 0;
  for (auto& error : result) {
    if (!seen.insert(format_error(error)).second) continue;
    if (unique.size() == kMostErrorsShown) {
      ++left_out;
    } else {
      unique.push_back(std::move(error));
    }
  }
  if (left_out > 0) {
    unique.emplace_back(SourceLocation{primary_file, 0, 0}, "",
                        fmt::format("{} more errors not shown; fix the ones above first", left_out));
  }
  return unique;
}

void Diagnostics::throw_if_any(const std::string& primary_file) const {
  if (!errors_.empty()) throw UserErrors(sorted(primary_file));
}

}  // namespace thermo::engine
