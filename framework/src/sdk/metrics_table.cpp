#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace thermo {

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

MetricsTable::MetricsTable(std::vector<std::string> columns)
    : columns_(std::move(columns)), data_(columns_.size()) {}

bool MetricsTable::has(const std::string& column) const {
  return std::find(columns_.begin(), columns_.end(), column) != columns_.end();
}

std::span<const double> MetricsTable::column(const std::string& name) const {
  const auto it = std::find(columns_.begin(), columns_.end(), name);
  if (it == columns_.end()) {
    const std::string where = source_.empty() ? std::string("table") : source_.string();
    throw UserError(SourceLocation{source_.string()}, "", fmt::format("{} has no column '{}'", where, name));
  }
  return data_[static_cast<std::size_t>(it - columns_.begin())];
}

void MetricsTable::add_row(std::span<const double> values) {
  if (values.size() != columns_.size()) {
    throw std::logic_error(fmt::format("MetricsTable::add_row: {} values for {} columns", values.size(), columns_.size()));
  }
  for (std::size_t i = 0; i < values.size(); ++i) data_[i].push_back(values[i]);
  ++rows_;
}

namespace {
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream stream(line);
  while (std::getline(stream, field, ',')) {
    while (!field.empty() && (field.back() == '\r' || field.back() == ' ')) field.pop_back();
    while (!field.empty() && field.front() == ' ') field.erase(field.begin());
    fields.push_back(field);
  }
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

bool parse_number(const std::string& text, double& value) {
  if (text == "nan" || text == "NaN" || text == "-nan") {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "inf" || text == "Infinity") {
    value = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-inf" || text == "-Infinity") {
    value = -std::numeric_limits<double>::infinity();
    return true;
  }
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, error] = std::from_chars(begin, end, value);
  return error == std::errc() && ptr == end && begin != end;
}
}  // namespace

MetricsTable MetricsTable::read_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw UserError(SourceLocation{file.string()}, "", "cannot open the file");
  std::string line;
  int line_number = 0;
  MetricsTable table;
  table.source_ = file;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    auto fields = split_csv_line(line);
    if (table.columns_.empty()) {
      table.columns_ = fields;
      table.data_.assign(fields.size(), {});
      continue;
    }
    if (fields.size() != table.columns_.size()) {
      throw UserError(SourceLocation{file.string(), line_number, 1}, "",
                      fmt::format("expected {} fields, found {}", table.columns_.size(), fields.size()));
    }
    std::vector<double> values(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!parse_number(fields[i], values[i])) {
        throw UserError(SourceLocation{file.string(), line_number, 1}, "",
                        fmt::format("column '{}': '{}' is not a number", table.columns_[i], fields[i]));
      }
    }
    table.add_row(values);
  }
  if (table.columns_.empty()) throw UserError(SourceLocation{file.string()}, "", "empty file: expected a header row");
  return table;
}

void MetricsTable::write_csv(const std::filesystem::path& file) const {
  std::string text;
  for (std::size_t i = 0; i < columns_.size(); ++i) text += (i ? "," : "") + columns_[i];
  text += '\n';
  for (std::size_t row = 0; row < rows_; ++row) {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (i) text += ',';
      text += format_number(data_[i][row]);
    }
    text += '\n';
  }
  write_file_durably(file, text);
}

}  // namespace thermo
