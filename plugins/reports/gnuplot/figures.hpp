#pragma once
// The report's figures, one function each: from the report's inputs to a figure (data and gnuplot
// commands), or the reason it cannot be drawn from what the experiment holds.

#include "figure.hpp"
#include "report_inputs.hpp"
#include "report_settings.hpp"

#include <string>
#include <vector>

namespace thermo::gnuplot_report {

// Per-iteration figures from the runs' metrics (run_figures.cpp).
[[nodiscard]] FigurePlan loss_vs_iteration(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan entropy_vs_iteration(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan snr_vs_iteration(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan grad_norms_vs_iteration(const ReportInputs& inputs, const Settings& settings);

// Figures from the analysis folder (analysis_figures.cpp).
[[nodiscard]] FigurePlan loss_entropy_vs_lr(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan temperature_vs_lr(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan free_energy_curves(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan temperature_decay(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan gradient_phase(const ReportInputs& inputs, const Settings& settings);

// The toy problem on the sphere (toy_figures.cpp).
[[nodiscard]] FigurePlan toy_metrics(const ReportInputs& inputs, const Settings& settings);
[[nodiscard]] FigurePlan toy_stationary(const ReportInputs& inputs, const Settings& settings);
// The paper's first figure: trajectories on the sphere over a heat map of the loss (sphere_figure.cpp).
[[nodiscard]] FigurePlan toy_sphere(const ReportInputs& inputs, const Settings& settings);

struct FigureMaker {
  const char* stem;
  FigurePlan (*make)(const ReportInputs&, const Settings&);
};

// Every figure, in the order index.html shows them.
[[nodiscard]] const std::vector<FigureMaker>& figure_makers();

// --- shared by the figure files ---

// gnuplot commands for a log axis with 10^{n} tick labels.
[[nodiscard]] std::string log_axis(const std::string& axis);

// Curves of one metric against iteration, one per run, coloured by learning rate: adds a block per
// run to `figure.data` and returns the plot clauses. With `smoothing` > 0 the raw values are drawn
// faint and the smoothed ones on top (SNR, toy figures).
struct RateCurveStyle {
  bool log_y = true;
  double smoothing = 0.0;
  double line_width = 2.0;
  std::string dash = "1";
};
[[nodiscard]] std::vector<std::string> rate_curves(FigureSpec& figure, const std::vector<const RunSeries*>& runs,
                                                   const std::string& column, const RateScale& scale,
                                                   const RateCurveStyle& style);

// "plot a, \\\n     b" — the clauses joined into one plot command.
[[nodiscard]] std::string plot_command(const std::vector<std::string>& clauses);

}  // namespace thermo::gnuplot_report
