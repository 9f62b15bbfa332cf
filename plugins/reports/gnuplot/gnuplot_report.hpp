#pragma once
// The gnuplot report: draws every figure the experiment's runs and analysis folder allow (SVG and
// PNG through gnuplot, with the .gp scripts and .dat files kept in report/ for editing) and writes
// report/index.html. Figures whose inputs are absent are skipped and logged at debug level.

#include "report_settings.hpp"

#include <thermo/analysis.hpp>

namespace thermo::gnuplot_report {

class GnuplotReport final : public Report {
 public:
  explicit GnuplotReport(Settings settings) : settings_(std::move(settings)) {}
  void render(const ReportContext& context) override;

 private:
  Settings settings_;
};

}  // namespace thermo::gnuplot_report
