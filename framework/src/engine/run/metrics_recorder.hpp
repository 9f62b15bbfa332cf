#pragma once
// Writes a run's metrics.csv as it goes: the header once, then one row per log iteration,
// flushed at once, so a killed run keeps every row it logged.

#include <thermo/state.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace thermo::engine {

class MetricsRecorder {
 public:
  MetricsRecorder(std::filesystem::path file, std::vector<std::string> columns);

  void write_row(std::span<const double> values);
  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  [[nodiscard]] std::int64_t rows_written() const { return rows_written_; }
  // The last value written to each column (NaN-free or not), for summary.json.
  [[nodiscard]] const std::vector<double>& last_row() const { return last_row_; }

  // Resuming: the file is cut back to the rows the saved state had written.
  void save_state(StateArchive& archive, const std::string& prefix) const;
  void load_state(const StateArchive& archive, const std::string& prefix);

 private:
  void open_for_append();

  std::filesystem::path file_;
  std::vector<std::string> columns_;
  std::ofstream out_;
  std::int64_t rows_written_ = 0;
  std::vector<double> last_row_;
};

}  // namespace thermo::engine
