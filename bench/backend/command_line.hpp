#pragma once
// The micro-benchmarks' command lines: flags, each with at most one value after it, and
// comma-separated lists of integers ("--channels 8,64").

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace thermo::bench {

class CommandLine {
 public:
  CommandLine(int argc, char** argv) : argc_(argc), argv_(argv) {}
  // Moves to the next flag; false after the last.
  [[nodiscard]] bool next() {
    if (index_ + 1 >= argc_) return false;
    flag_ = argv_[++index_];
    return true;
  }
  [[nodiscard]] const std::string& flag() const { return flag_; }
  // The argument after the current flag (throws when there is none).
  [[nodiscard]] std::string value() {
    if (index_ + 1 >= argc_) throw std::runtime_error(flag_ + " needs a value");
    return argv_[++index_];
  }

 private:
  int argc_;
  char** argv_;
  int index_ = 0;
  std::string flag_;
};

[[nodiscard]] inline std::vector<std::int64_t> integer_list(const std::string& text) {
  std::vector<std::int64_t> values;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) values.push_back(std::stoll(item));
  return values;
}

}  // namespace thermo::bench
