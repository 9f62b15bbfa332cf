#include "gnuplot_report.hpp"

#include "figures.hpp"
#include "gnuplot_runner.hpp"
#include "index_page.hpp"
#include "report_inputs.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fstream>

namespace thermo::gnuplot_report {

const std::vector<FigureMaker>& figure_makers() {
  static const std::vector<FigureMaker> makers = {
      {"loss_vs_iteration", &loss_vs_iteration},
      {"entropy_vs_iteration", &entropy_vs_iteration},
      {"loss_entropy_vs_lr", &loss_entropy_vs_lr},
      {"temperature", &temperature_vs_lr},
      {"free_energy", &free_energy_curves},
      {"temperature_decay", &temperature_decay},
      {"snr_vs_iteration", &snr_vs_iteration},
      {"grad_norms_vs_iteration", &grad_norms_vs_iteration},
      {"gradient_phase", &gradient_phase},
      {"toy_sphere", &toy_sphere},
      {"toy_metrics", &toy_metrics},
      {"toy_stationary", &toy_stationary},
  };
  return makers;
}

void GnuplotReport::render(const ReportContext& context) {
  std::filesystem::create_directories(context.report_dir);
  const ReportInputs inputs = ReportInputs::load(context, settings_);

  std::vector<DrawnFigure> drawn;
  std::vector<SkippedFigure> skipped;
  for (const auto& maker : figure_makers()) {
    FigurePlan plan = maker.make(inputs, settings_);
    if (!plan.figure) {
      logger().debug("gnuplot report: {} not drawn: {}", maker.stem, plan.reason);
      skipped.push_back({maker.stem, plan.reason});
      continue;
    }
    const auto script = write_figure(*plan.figure, settings_, context.report_dir);
    const std::string warnings = run_gnuplot(settings_.gnuplot, script);
    if (!warnings.empty()) logger().warn("gnuplot report: gnuplot {}: {}", script.string(), warnings);
    drawn.push_back({plan.figure->stem, plan.figure->title, plan.figure->caption});
  }

  const auto page = context.report_dir / "index.html";
  std::ofstream out(page, std::ios::binary | std::ios::trunc);
  out << index_page(inputs, settings_, drawn, skipped);
  out.close();
  if (!out) throw UserError(SourceLocation{page.string()}, "", "cannot write the report page");
  logger().info("gnuplot report: {} figures ({} not drawn) -> {}", drawn.size(), skipped.size(), page.string());
}

}  // namespace thermo::gnuplot_report
