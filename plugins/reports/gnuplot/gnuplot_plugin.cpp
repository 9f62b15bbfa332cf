#include "gnuplot_report.hpp"

#include <thermo/plugin.hpp>

namespace {

class GnuplotPlugin final : public thermo::ReportPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "gnuplot"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "the paper's figures (SVG and PNG drawn with gnuplot, scripts kept in report/) and report/index.html";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override { return thermo::gnuplot_report::schema(); }
  [[nodiscard]] std::unique_ptr<thermo::Report> create(const thermo::Params& params) const override {
    return std::make_unique<thermo::gnuplot_report::GnuplotReport>(thermo::gnuplot_report::settings_from(params));
  }
};

}  // namespace

THERMO_PLUGIN(GnuplotPlugin)
