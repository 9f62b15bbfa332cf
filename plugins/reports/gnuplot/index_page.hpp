#pragma once
// report/index.html: one self-contained page (inline CSS, no external resources) with the
// experiment's name and description, the key numbers, every figure drawn, links to the analysis
// files, the table of runs, and a tiny script that records in document.body.dataset how many
// images loaded (for a headless-browser check).

#include "report_inputs.hpp"
#include "report_settings.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace thermo::gnuplot_report {

struct DrawnFigure {
  std::string stem;
  std::string title;
  std::string caption;
};

struct SkippedFigure {
  std::string stem;
  std::string reason;
};

// The page's HTML.
[[nodiscard]] std::string index_page(const ReportInputs& inputs, const Settings& settings,
                                     const std::vector<DrawnFigure>& drawn, const std::vector<SkippedFigure>& skipped);

// `text` with &, <, >, " and ' escaped.
[[nodiscard]] std::string escape_html(const std::string& text);

}  // namespace thermo::gnuplot_report
