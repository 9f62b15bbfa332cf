#pragma once
// Writes a run's metrics.csv as it goes: the header once, then one row per log iteration, one
// write(2) per row, so a killed run keeps every row it logged and tears at most the last one.
// metrics.csv holds only values that the configuration determines (byte-identical between a run
// and the same run killed and resumed); the wall-clock seconds of each row go to timing.csv.

#include <thermo/durable_file.hpp>
#include <thermo/state.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace thermo::engine {

class MetricsRecorder {
 public:
  // Starts both files afresh in run_dir (metrics.csv with `columns`, timing.csv).
  MetricsRecorder(const std::filesystem::path& run_dir, std::vector<std::string> columns);

  void write_row(std::span<const double> values, double seconds);
  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  [[nodiscard]] std::int64_t rows_written() const { return rows_written_; }
  // The last row written, and the last whose training loss (column 1) was finite.
  [[nodiscard]] const std::vector<double>& last_row() const { return last_row_; }
  [[nodiscard]] const std::vector<double>& last_finite_row() const { return last_finite_row_; }
  // Makes the rows written so far durable (before a resume state that counts them is written).
  void sync();

  // The state holds every row's text: resuming rewrites metrics.csv from it, so whatever a kill
  // left after the state (rows logged later, a torn last line) is gone. timing.csv is not in the
  // state (it would make two states of the same run differ): resuming keeps its first rows.
  void save_state(StateArchive& archive, const std::string& prefix) const;
  void load_state(const StateArchive& archive, const std::string& prefix);
  // After load_state: the seconds of the last timing row kept (the run's time before the resume).
  [[nodiscard]] double seconds_before() const { return seconds_before_; }

 private:
  std::filesystem::path metrics_file_;
  std::filesystem::path timing_file_;
  std::vector<std::string> columns_;
  std::unique_ptr<AppendedFile> metrics_;
  std::unique_ptr<AppendedFile> timing_;
  std::string metrics_text_;  // everything written to metrics.csv, header included
  double seconds_before_ = 0.0;
  std::int64_t rows_written_ = 0;
  std::vector<double> last_row_;
  std::vector<double> last_finite_row_;
};

}  // namespace thermo::engine
