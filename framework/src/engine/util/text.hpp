#pragma once
// Small text helpers shared by the engine: did-you-mean suggestions and joining.

#include <optional>
#include <string>
#include <vector>

namespace thermo::engine {

// Levenshtein distance (insertions, deletions, substitutions).
[[nodiscard]] std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is close enough to be a plausible typo
// (distance <= max(2, word.size() / 3)); ties go to the first candidate.
[[nodiscard]] std::optional<std::string> nearest(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
[[nodiscard]] std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

[[nodiscard]] std::string join(const std::vector<std::string>& parts, const std::string& separator);

}  // namespace thermo::engine
