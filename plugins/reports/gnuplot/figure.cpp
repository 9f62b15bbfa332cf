#include "figure.hpp"

#include <thermo/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <numbers>

namespace thermo::gnuplot_report {

std::size_t DataFile::begin_block(const std::string& comment, const std::vector<std::string>& columns) {
  block_start_ = text_.size();
  rows_in_block_ = 0;
  if (blocks_ > 0) text_ += "\n\n";
  text_ += fmt::format("# index {}: {}\n# {}\n", blocks_, comment, fmt::join(columns, " "));
  return blocks_++;
}

bool DataFile::add_row(const std::vector<double>& values, const std::vector<bool>& positive) {
  for (std::size_t column = 0; column < values.size(); ++column) {
    if (!std::isfinite(values[column])) return false;
    if (column < positive.size() && positive[column] && !(values[column] > 0.0)) return false;
  }
  std::string line;
  for (const double value : values) {
    if (!line.empty()) line += ' ';
    line += number(value);
  }
  text_ += line + '\n';
  ++rows_in_block_;
  return true;
}

void DataFile::break_scan() {
  if (rows_in_block_ > 0 && !text_.ends_with("\n\n")) text_ += '\n';
}

bool DataFile::end_block() {
  if (rows_in_block_ > 0) return true;
  text_.resize(block_start_);
  --blocks_;
  return false;
}

namespace {

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw UserError(SourceLocation{file.string()}, "", "cannot write the file (is the report folder writable?)");
}

}  // namespace

std::filesystem::path write_figure(const FigureSpec& figure, const Settings& settings,
                                   const std::filesystem::path& folder) {
  const std::int64_t width = figure.width > 0 ? figure.width : settings.width;
  const std::int64_t height = figure.height > 0 ? figure.height : settings.height;
  write_text(folder / (figure.stem + ".dat"), figure.data.text());

  std::string script;
  script += fmt::format("# {}: {}\n", figure.title, figure.caption);
  script += fmt::format(
      "# Written by thermo's gnuplot report. Edit and re-draw in this folder with: gnuplot {}.gp\n"
      "# The data are in {}.dat (blocks addressed with `index`).\n",
      figure.stem, figure.stem);
  script += "set encoding utf8\n";
  script += fmt::format("formats = {}\n", quoted(fmt::format("{}", fmt::join(settings.formats, " "))));
  script += "do for [format in formats] {\n";
  script += "if (format eq \"svg\") {\n";
  script += fmt::format(
      "  set terminal svg size {},{} fixed enhanced font \"DejaVu Sans,13\" background rgb \"white\"\n", width, height);
  script += "} else {\n";
  script += fmt::format(
      "  set terminal pngcairo size {},{} enhanced font \"DejaVu Sans,13\" background rgb \"white\"\n", width, height);
  script += "}\n";
  script += fmt::format("set output \"{}.\" . format\n", figure.stem);
  script += "reset\n";
  // The house style of every figure: a light solid grid, a larger title, legends with the sample
  // before the text on an opaque background, and x ranges that end at the data.
  script += "set grid xtics ytics lt 1 lw 1 lc rgb \"#dddddd\"\n";
  script += "set border lw 1.2\n";
  script += "set title font \",16\"\n";
  script += "set key Left reverse samplen 2.5\n";
  script += "set autoscale xfix\n";
  script += "set offsets graph 0.03, graph 0.03, 0, 0\n";
  script += figure.commands;
  if (!figure.commands.empty() && figure.commands.back() != '\n') script += '\n';
  script += "set output\n";
  script += "}\n";
  const auto file = folder / (figure.stem + ".gp");
  write_text(file, script);
  return file;
}

std::string number(double value) {
  std::string text = fmt::format("{}", value);
  // A literal without '.' or exponent is an integer to gnuplot (and 1/2 would be 0).
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

std::string quoted(const std::string& text) {
  std::string result = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') result += '\\';
    if (c == '\n') {
      result += "\\n";
      continue;
    }
    result += c;
  }
  return result + '"';
}

std::string scientific(double value, int digits) {
  if (!std::isfinite(value)) return "nan";
  if (value == 0.0) return "0";
  const double magnitude = std::abs(value);
  if (magnitude >= 0.01 && magnitude < 1000.0) return fmt::format("{:.{}g}", value, digits);
  int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
  double mantissa = value / std::pow(10.0, exponent);
  // Rounding may carry the mantissa to 10 (9.97 -> "10"); move it to the exponent.
  if (std::abs(std::stod(fmt::format("{:.{}g}", mantissa, digits))) >= 10.0) {
    mantissa /= 10.0;
    ++exponent;
  }
  const std::string mantissa_text = fmt::format("{:.{}g}", mantissa, digits);
  if (mantissa_text == "1") return fmt::format("10^{{{}}}", exponent);
  if (mantissa_text == "-1") return fmt::format("-10^{{{}}}", exponent);
  return fmt::format("{}·10^{{{}}}", mantissa_text, exponent);
}

std::string rate_label(double value) {
  return fmt::format("{:.1e}", value);
}

namespace {
std::string hex_colour(double red, double green, double blue, double alpha) {
  const auto byte = [](double channel) { return static_cast<int>(std::lround(255.0 * std::clamp(channel, 0.0, 1.0))); };
  if (alpha >= 1.0) return fmt::format("#{:02x}{:02x}{:02x}", byte(red), byte(green), byte(blue));
  return fmt::format("#{:02x}{:02x}{:02x}{:02x}", byte(1.0 - alpha), byte(red), byte(green), byte(blue));
}
}  // namespace

std::string rainbow(double x, double alpha) {
  const double t = std::clamp(x, 0.0, 1.0);
  return hex_colour(std::abs(2.0 * t - 0.5), std::sin(std::numbers::pi * t), std::cos(std::numbers::pi * t / 2.0),
                    alpha);
}

std::string category_colour(std::size_t index) {
  static constexpr std::array<const char*, 10> kColours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColours[index % kColours.size()];
}

RateScale RateScale::of(const std::vector<double>& rates) {
  RateScale scale;
  bool any = false;
  for (const double rate : rates) {
    if (!(rate > 0.0) || !std::isfinite(rate)) continue;
    scale.low = any ? std::min(scale.low, rate) : rate;
    scale.high = any ? std::max(scale.high, rate) : rate;
    any = true;
  }
  if (scale.low == scale.high) {
    scale.low /= 2.0;
    scale.high *= 2.0;
  }
  return scale;
}

double RateScale::position(double rate) const {
  return std::clamp(std::log(rate / low) / std::log(high / low), 0.0, 1.0);
}

std::string RateScale::palette_commands() const {
  return fmt::format(
      "set palette rgbformulae 33,13,10\n"
      "set logscale cb\n"
      "set cbrange [{}:{}]\n"
      "set format cb \"10^{{%L}}\"\n"
      "set cblabel \"learning rate (η)\"\n"
      "set colorbox\n",
      number(low), number(high));
}

}  // namespace thermo::gnuplot_report
