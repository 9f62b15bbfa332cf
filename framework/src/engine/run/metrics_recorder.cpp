#include "run/metrics_recorder.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>

namespace thermo::engine {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view kTimingHeader = "iteration,seconds\n";

std::string csv_line(std::span<const std::string> fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line + '\n';
}
}  // namespace

MetricsRecorder::MetricsRecorder(const std::filesystem::path& run_dir, std::vector<std::string> columns)
    : metrics_file_(run_dir / "metrics.csv"), timing_file_(run_dir / "timing.csv"), columns_(std::move(columns)) {
  metrics_text_ = csv_line(columns_);
  metrics_ = std::make_unique<AppendedFile>(metrics_file_, AppendedFile::Start::truncate);
  timing_ = std::make_unique<AppendedFile>(timing_file_, AppendedFile::Start::truncate);
  metrics_->append(metrics_text_);
  timing_->append(kTimingHeader);
  last_row_.assign(columns_.size(), kNaN);
  last_finite_row_ = last_row_;
}

void MetricsRecorder::write_row(std::span<const double> values, double seconds) {
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) line += ',';
    line += format_number(values[i]);
  }
  line += '\n';
  const std::string timing_line =
      fmt::format("{},{}\n", values.empty() ? std::string("nan") : format_number(values[0]), format_number(seconds));
  metrics_->append(line);
  timing_->append(timing_line);
  metrics_text_ += line;
  last_row_.assign(values.begin(), values.end());
  if (values.size() > 1 && std::isfinite(values[1])) last_finite_row_ = last_row_;
  ++rows_written_;
}

void MetricsRecorder::sync() {
  metrics_->sync();
  timing_->sync();
}

void MetricsRecorder::save_state(StateArchive& archive, const std::string& prefix) const {
  archive.put_i64(prefix + "rows", rows_written_);
  archive.put_string(prefix + "metrics_csv", metrics_text_);
  archive.put_vector<double>(prefix + "last_row", last_row_);
  archive.put_vector<double>(prefix + "last_finite_row", last_finite_row_);
}

void MetricsRecorder::load_state(const StateArchive& archive, const std::string& prefix) {
  metrics_text_ = archive.get_string(prefix + "metrics_csv");
  if (metrics_text_.substr(0, metrics_text_.find('\n') + 1) != csv_line(columns_)) {
    throw UserError(SourceLocation{metrics_file_.string()}, "",
                    "the resume state's metric columns differ from this run's (another set of estimators?)");
  }
  rows_written_ = archive.get_i64(prefix + "rows");
  last_row_ = archive.get_vector<double>(prefix + "last_row");
  last_finite_row_ = archive.get_vector<double>(prefix + "last_finite_row");
  metrics_.reset();
  timing_.reset();
  write_file_durably(metrics_file_, metrics_text_);
  // timing.csv: its header and the complete rows up to the state's row count.
  std::string timing_text(kTimingHeader);
  seconds_before_ = 0.0;
  {
    std::ifstream in(timing_file_);
    std::string line;
    std::getline(in, line);
    for (std::int64_t row = 0; row < rows_written_ && std::getline(in, line) && !in.eof(); ++row) {
      timing_text += line + '\n';
      const auto comma = line.find(',');
      if (comma != std::string::npos) seconds_before_ = std::strtod(line.c_str() + comma + 1, nullptr);
    }
  }
  write_file_durably(timing_file_, timing_text);
  metrics_ = std::make_unique<AppendedFile>(metrics_file_, AppendedFile::Start::append);
  timing_ = std::make_unique<AppendedFile>(timing_file_, AppendedFile::Start::append);
}

}  // namespace thermo::engine
