// The toy problem on the 3-D sphere (docs/method.md §8): the 2×2 panel of loss, SNR and gradient norms
// against iteration for a few LRs (like toy_sphere_up_metrics.png), and the stationary loss and SNR
// against the LR.
#include "figures.hpp"

#include <fmt/format.h>

#include <cmath>

namespace thermo::gnuplot_report {
namespace {

struct Panel {
  std::string column;
  std::string label;
  bool log_y;
};

// multiplot layout for `count` panels: rows × columns.
std::pair<int, int> layout(std::size_t count) {
  if (count <= 1) return {1, 1};
  return {static_cast<int>((count + 1) / 2), 2};
}

}  // namespace

FigurePlan toy_metrics(const ReportInputs& inputs, const Settings& settings) {
  if (!inputs.is_toy()) return FigurePlan::skip("not the toy problem (no sphere_toy model, no sample_grad_norm_1)");
  const bool above_min = inputs.runs_have("train_loss_above_min");
  std::vector<Panel> panels;
  for (const Panel& panel : {Panel{above_min ? "train_loss_above_min" : "train_loss",
                                   above_min ? "full loss − min loss" : "full loss", true},
                             Panel{"snr", "SNR", false}, Panel{"full_grad_norm", "full GN", true},
                             Panel{"stoch_grad_mean_norm", "mean stoch GN", false}}) {
    if (inputs.runs_have(panel.column)) panels.push_back(panel);
  }
  if (panels.empty()) return FigurePlan::skip("the runs have none of the toy metrics");
  const auto runs =
      inputs.chosen_runs(settings.curve_indices, settings.curve_lrs, static_cast<std::size_t>(settings.curves));
  std::vector<double> rates;
  for (const auto* run : runs) rates.push_back(run->learning_rate);
  const auto scale = RateScale::of(rates);

  FigureSpec figure;
  figure.stem = "toy_metrics";
  figure.title = "Toy problem: metrics along training";
  figure.caption = fmt::format(
      "the toy problem on the sphere, {} learning rates: {} against iteration; faint the logged values, solid smoothed "
      "by a Gaussian of width {} in ln(iteration)",
      runs.size(),
      [&] {
        std::string names;
        for (const auto& panel : panels) names += (names.empty() ? "" : ", ") + panel.column;
        return names;
      }(),
      number(settings.smoothing));
  const auto [rows, columns] = layout(panels.size());
  figure.width = columns == 2 ? settings.width * 3 / 2 : settings.width;
  figure.height = rows == 2 ? settings.height * 3 / 2 : settings.height;

  std::string commands = scale.palette_commands() + log_axis("x");
  commands += "unset colorbox\n";
  commands += fmt::format("set multiplot layout {},{} margins 0.09,0.86,0.1,0.97 spacing 0.1,0.07\n", rows, columns);
  bool any = false;
  for (std::size_t index = 0; index < panels.size(); ++index) {
    const auto& panel = panels[index];
    RateCurveStyle style;
    style.log_y = panel.log_y;
    style.smoothing = settings.smoothing;
    const auto clauses = rate_curves(figure, runs, panel.column, scale, style);
    const bool bottom_row = index + static_cast<std::size_t>(columns) >= panels.size();
    commands += panel.log_y ? log_axis("y") : "unset logscale y\nset format y \"%g\"\n";
    commands += fmt::format("set ylabel {}\n", quoted(panel.label));
    commands +=
        bottom_row ? "set xlabel \"iteration\"\nset format x \"10^{%L}\"\n" : "unset xlabel\nset format x \"\"\n";
    if (index + 1 == panels.size()) commands += "set colorbox user origin 0.89,0.12 size 0.022,0.82\n";
    if (clauses.empty()) {
      // Keeps the panel's place in the layout: an empty frame with its label.
      commands += "set xrange [1:10]\nset yrange [1:10]\nplot NaN notitle\nset autoscale\n";
      continue;
    }
    any = true;
    commands += "unset key\n" + plot_command(clauses);
  }
  commands += "unset multiplot\n";
  if (!any) return FigurePlan::skip("the toy metrics have no finite values");
  figure.commands = commands;
  return FigurePlan::draw(std::move(figure));
}

FigurePlan toy_stationary(const ReportInputs& inputs, const Settings& settings) {
  if (!inputs.is_toy()) return FigurePlan::skip("not the toy problem (no sphere_toy model, no sample_grad_norm_1)");
  if (!inputs.stationary) return FigurePlan::skip("no stationary.csv");
  const MetricsTable& table = *inputs.stationary;
  const std::string loss = table.has("train_loss_above_min") ? "train_loss_above_min" : "train_loss";
  if (!table.has("lr") || !table.has(loss)) return FigurePlan::skip("stationary.csv has no lr or " + loss + " column");

  FigureSpec figure;
  figure.stem = "toy_stationary";
  figure.title = "Toy problem: stationary values";
  figure.caption = fmt::format(
      "the toy problem: stationary {} and SNR (means over the last log points, ±1 std) against the learning rate "
      "(stationary.csv)",
      loss);
  const std::string file = quoted(figure.stem + ".dat");
  struct Quantity {
    std::string column;
    std::string label;
    bool log_y;
    const char* colour;
  };
  std::vector<Quantity> quantities = {
      {loss, loss == "train_loss" ? "stationary loss" : "stationary loss − min loss", true, "#1f77b4"}};
  if (table.has("snr")) quantities.push_back({"snr", "stationary SNR", false, "#d62728"});

  const auto rates = table.column("lr");
  std::string commands = log_axis("x");
  commands += "set style fill transparent solid 0.22 noborder\nunset key\nset xlabel \"learning rate (η)\"\n";
  commands += fmt::format("set multiplot layout 1,{} margins 0.1,0.97,0.17,0.95 spacing 0.12,0.1\n", quantities.size());
  bool any = false;
  for (const auto& quantity : quantities) {
    const auto values = table.column(quantity.column);
    const std::string deviation_column = quantity.column + "_std";
    const std::size_t block = figure.data.begin_block(fmt::format("stationary {}: lr mean low high", quantity.column),
                                                      {"lr", quantity.column, "low", "high"});
    for (std::size_t row = 0; row < table.row_count(); ++row) {
      const double deviation = table.has(deviation_column) && std::isfinite(table.column(deviation_column)[row])
                                   ? table.column(deviation_column)[row]
                                   : 0.0;
      // A band reaching 0 cannot be drawn on a log axis: it is cut a decade below the mean.
      const double low =
          quantity.log_y ? std::max(values[row] - deviation, values[row] / 10.0) : values[row] - deviation;
      figure.data.add_row({rates[row], values[row], low, values[row] + deviation},
                          {true, quantity.log_y, quantity.log_y, quantity.log_y});
    }
    commands += quantity.log_y ? log_axis("y") : "unset logscale y\nset format y \"%g\"\n";
    commands += fmt::format("set ylabel {}\n", quoted(quantity.label));
    if (!figure.data.end_block()) {
      commands += "set xrange [1:10]\nset yrange [1:10]\nplot NaN notitle\nset autoscale\n";
      continue;
    }
    any = true;
    commands += plot_command(
        {fmt::format("{} index {} using 1:3:4 with filledcurves lc rgb \"{}\" notitle", file, block, quantity.colour),
         fmt::format("{} index {} using 1:2 with linespoints lw 2.5 pt 7 ps 0.5 lc rgb \"{}\" notitle", file, block,
                     quantity.colour)});
  }
  commands += "unset multiplot\n";
  if (!any) return FigurePlan::skip("stationary.csv has no finite toy values");
  figure.width = quantities.size() == 2 ? settings.width * 3 / 2 : settings.width;
  figure.height = settings.height * 5 / 6;
  figure.commands = commands;
  return FigurePlan::draw(std::move(figure));
}

}  // namespace thermo::gnuplot_report
