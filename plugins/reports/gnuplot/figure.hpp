#pragma once
// One figure of the report: the text of its data file (<stem>.dat, gnuplot blocks addressed with
// `index`) and the gnuplot commands that draw it. write_figure() wraps the commands in a script
// that draws every requested format, so a user can edit <stem>.gp and re-run it in report/.

#include "report_settings.hpp"

#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace thermo::gnuplot_report {

// Rows of numbers in blocks separated by two blank lines; rows with a non-finite value are dropped.
class DataFile {
 public:
  // Starts a block described by `comment` with the given column names; returns its index.
  std::size_t begin_block(const std::string& comment, const std::vector<std::string>& columns);
  // Appends a row to the current block unless a value is not finite (or, for the columns flagged
  // in `positive`, not > 0: a log axis cannot show it). Returns whether it was kept.
  bool add_row(const std::vector<double>& values, const std::vector<bool>& positive = {});
  // Ends a scan inside the current block with one blank line: gnuplot's grid rows for pm3d, or a
  // break in a line. Nothing happens before the block's first row.
  void break_scan();
  [[nodiscard]] std::size_t rows_in_block() const { return rows_in_block_; }
  // Removes the current block when it has no rows (gnuplot refuses to plot an empty block).
  // Returns whether the block stays.
  bool end_block();
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::size_t blocks_ = 0;
  std::size_t block_start_ = 0;
  std::size_t rows_in_block_ = 0;
};

struct FigureSpec {
  std::string stem;        // file names: <stem>.gp, <stem>.dat, <stem>.svg, <stem>.png
  std::string title;       // for index.html
  std::string caption;     // one sentence for index.html: what is drawn, from which file
  std::int64_t width = 0;  // 0: the settings' size
  std::int64_t height = 0;
  DataFile data;
  std::string commands;  // gnuplot commands; the data file is "<stem>.dat"
};

// A figure, or why it is not drawn.
struct FigurePlan {
  std::optional<FigureSpec> figure;
  std::string reason;

  static FigurePlan skip(std::string why) { return {std::nullopt, std::move(why)}; }
  static FigurePlan draw(FigureSpec spec) { return {std::move(spec), {}}; }
};

// Writes <stem>.dat and <stem>.gp into `folder`; returns the script's path.
std::filesystem::path write_figure(const FigureSpec& figure, const Settings& settings,
                                   const std::filesystem::path& folder);

// --- helpers for the gnuplot text of figures ---

// A number as gnuplot reads it back exactly ("1e-05", "0.25").
[[nodiscard]] std::string number(double value);
// A gnuplot double-quoted string literal (quotes and backslashes escaped).
[[nodiscard]] std::string quoted(const std::string& text);
// Enhanced-text scientific notation: 3.9·10^{-3} (plain "39" or "0.25" for moderate values).
[[nodiscard]] std::string scientific(double value, int digits = 2);
// A learning rate for a legend: 1e-03 style, like the reference figures.
[[nodiscard]] std::string rate_label(double value);

// matplotlib's "rainbow" colour map (gnuplot rgbformulae 33,13,10) at x in [0, 1], as "#rrggbb";
// with `alpha` in (0, 1) the colour is "#aarrggbb" in gnuplot's convention (aa = transparency).
[[nodiscard]] std::string rainbow(double x, double alpha = 1.0);
// matplotlib's category colours (tab10), as "#rrggbb".
[[nodiscard]] std::string category_colour(std::size_t index);

// The colours of figures whose curves are coloured by learning rate (log scale, rainbow map),
// with a colour box labelled "learning rate (η)".
struct RateScale {
  double low = 1.0;  // the colour range, widened around a single rate
  double high = 1.0;

  [[nodiscard]] static RateScale of(const std::vector<double>& rates);
  // Where a rate sits in [low, high] on the log scale, in [0, 1].
  [[nodiscard]] double position(double rate) const;
  [[nodiscard]] std::string colour(double rate, double alpha = 1.0) const { return rainbow(position(rate), alpha); }
  // gnuplot commands: the palette, the log colour range and the colour box.
  [[nodiscard]] std::string palette_commands() const;
};

}  // namespace thermo::gnuplot_report
