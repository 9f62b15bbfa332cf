#include "run/metrics_recorder.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <fmt/format.h>

#include <limits>
#include <sstream>

namespace thermo::engine {

MetricsRecorder::MetricsRecorder(std::filesystem::path file, std::vector<std::string> columns)
    : file_(std::move(file)), columns_(std::move(columns)) {
  out_.open(file_, std::ios::trunc);
  if (!out_) throw UserError(SourceLocation{file_.string()}, "", "cannot write the metrics file");
  for (std::size_t i = 0; i < columns_.size(); ++i) out_ << (i ? "," : "") << columns_[i];
  out_ << '\n' << std::flush;
  last_row_.assign(columns_.size(), std::numeric_limits<double>::quiet_NaN());
}

void MetricsRecorder::write_row(std::span<const double> values) {
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) line += ',';
    line += format_number(values[i]);
  }
  out_ << line << '\n' << std::flush;
  if (!out_) throw UserError(SourceLocation{file_.string()}, "", "cannot write the metrics file (disk full?)");
  last_row_.assign(values.begin(), values.end());
  ++rows_written_;
}

void MetricsRecorder::open_for_append() {
  out_.close();
  out_.open(file_, std::ios::app);
  if (!out_) throw UserError(SourceLocation{file_.string()}, "", "cannot append to the metrics file");
}

void MetricsRecorder::save_state(StateArchive& archive, const std::string& prefix) const {
  archive.put_i64(prefix + "rows", rows_written_);
  archive.put_vector<double>(prefix + "last_row", last_row_);
}

void MetricsRecorder::load_state(const StateArchive& archive, const std::string& prefix) {
  const std::int64_t rows = archive.get_i64(prefix + "rows");
  out_.close();
  // Keep the header and the first `rows` rows; anything after was logged past the saved state.
  std::ifstream in(file_);
  std::ostringstream kept;
  std::string line;
  for (std::int64_t i = 0; i <= rows && std::getline(in, line); ++i) kept << line << '\n';
  in.close();
  std::ofstream rewrite(file_, std::ios::trunc);
  rewrite << kept.str();
  rewrite.close();
  rows_written_ = rows;
  last_row_ = archive.get_vector<double>(prefix + "last_row");
  open_for_append();
}

}  // namespace thermo::engine
