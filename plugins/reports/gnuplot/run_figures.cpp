// The per-iteration figures: train loss, entropy, SNR and gradient norms against iteration, one
// curve per learning rate (a spread of `curves` of them), coloured by LR like the reference.
#include "figures.hpp"

#include <fmt/format.h>

#include <cmath>

namespace thermo::gnuplot_report {

std::string log_axis(const std::string& axis) {
  return fmt::format("set logscale {0}\nset format {0} \"10^{{%L}}\"\n", axis);
}

std::string plot_command(const std::vector<std::string>& clauses) {
  std::string text = "plot ";
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    if (i > 0) text += ", \\\n     ";
    text += clauses[i];
  }
  return text + "\n";
}

std::vector<std::string> rate_curves(FigureSpec& figure, const std::vector<const RunSeries*>& runs,
                                     const std::string& column, const RateScale& scale, const RateCurveStyle& style) {
  std::vector<std::string> clauses;
  const std::string file = quoted(figure.stem + ".dat");
  for (const RunSeries* run : runs) {
    const Series series = series_of(run->metrics, "iteration", column, true, style.log_y);
    if (series.x.empty()) continue;
    const bool smoothed = style.smoothing > 0.0;
    const auto values = smoothed ? smooth_in_log_x(series, style.smoothing) : series.y;
    const std::size_t block = figure.data.begin_block(
        fmt::format("{} of run {} (lr {})", column, run->run->label, number(run->learning_rate)),
        smoothed ? std::vector<std::string>{"iteration", column, column + "_smoothed"}
                 : std::vector<std::string>{"iteration", column});
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (smoothed) {
        figure.data.add_row({series.x[i], series.y[i], values[i]});
      } else {
        figure.data.add_row({series.x[i], series.y[i]});
      }
    }
    if (!figure.data.end_block()) continue;
    if (smoothed) {
      clauses.push_back(fmt::format("{} index {} using 1:2 with lines lw 1 dt {} lc rgb {} notitle", file, block,
                                    style.dash, quoted(scale.colour(run->learning_rate, 0.18))));
      clauses.push_back(fmt::format("{} index {} using 1:3 with lines lw {} dt {} lc palette cb {} notitle", file,
                                    block, number(style.line_width), style.dash, number(run->learning_rate)));
    } else {
      clauses.push_back(fmt::format("{} index {} using 1:2 with lines lw {} dt {} lc palette cb {} notitle", file,
                                    block, number(style.line_width), style.dash, number(run->learning_rate)));
    }
  }
  return clauses;
}

namespace {

std::vector<double> rates_of(const std::vector<const RunSeries*>& runs) {
  std::vector<double> rates;
  for (const auto* run : runs) rates.push_back(run->learning_rate);
  return rates;
}

// The chosen runs, or why there are none to draw `column` from.
struct ChosenRuns {
  std::vector<const RunSeries*> runs;
  std::string missing;
};

// Which explicit choice a figure follows (Settings: curve_indices/curve_lrs, snr_indices,
// grad_norm_indices, each falling back on the one before).
enum class CurveChoice { main, snr, grad_norm };

ChosenRuns runs_with(const ReportInputs& inputs, const Settings& settings, const std::vector<std::string>& columns,
                     CurveChoice choice = CurveChoice::main) {
  if (inputs.runs.empty()) {
    return {{}, inputs.experiment == nullptr ? "no experiment (a table alone)" : "no finished run with metrics"};
  }
  for (const auto& column : columns) {
    if (!inputs.runs_have(column)) return {{}, fmt::format("no run has the metrics column {}", column)};
  }
  const auto count = static_cast<std::size_t>(settings.curves);
  std::vector<const RunSeries*> runs;
  if (choice == CurveChoice::grad_norm && settings.grad_norm_indices) {
    runs = inputs.chosen_runs(settings.grad_norm_indices, std::nullopt, count);
  } else if (choice != CurveChoice::main && settings.snr_indices) {
    runs = inputs.chosen_runs(settings.snr_indices, std::nullopt, count);
  } else {
    runs = inputs.chosen_runs(settings.curve_indices, settings.curve_lrs, count);
  }
  if (runs.empty()) return {{}, "none of the chosen learning rates has a finished run"};
  return {runs, {}};
}

// The stationary mean of `column` at `rate` (stationary.csv), when there is one.
std::optional<double> stationary_mean(const ReportInputs& inputs, const std::string& column, double rate) {
  if (!inputs.stationary || !inputs.stationary->has("lr") || !inputs.stationary->has(column)) return std::nullopt;
  const auto rates = inputs.stationary->column("lr");
  const auto values = inputs.stationary->column(column);
  for (std::size_t row = 0; row < inputs.stationary->row_count(); ++row) {
    if (same_rate(rates[row], rate) && std::isfinite(values[row])) return values[row];
  }
  return std::nullopt;
}

std::string uniform_clause(double value, const std::string& title) {
  return fmt::format("{} with lines dt 2 lw 2 lc rgb \"#555555\" title {}", number(value), quoted(title));
}

}  // namespace

FigurePlan loss_vs_iteration(const ReportInputs& inputs, const Settings& settings) {
  const bool above_min = inputs.runs_have("train_loss_above_min");
  const std::string column = above_min ? "train_loss_above_min" : "train_loss";
  auto chosen = runs_with(inputs, settings, {column});
  if (chosen.runs.empty()) return FigurePlan::skip(chosen.missing);
  FigureSpec figure;
  figure.stem = "loss_vs_iteration";
  figure.title = above_min ? "Train loss above its minimum" : "Train loss";
  figure.caption = fmt::format(
      "{} against iteration (log–log) for {} learning rates, coloured by LR; metrics.csv "
      "of the runs",
      column, chosen.runs.size());
  const auto scale = RateScale::of(rates_of(chosen.runs));
  auto clauses = rate_curves(figure, chosen.runs, column, scale, {});
  if (clauses.empty()) return FigurePlan::skip("no finite positive " + column + " values");
  if (inputs.uniform.loss && !above_min) clauses.push_back(uniform_clause(*inputs.uniform.loss, "uniform"));
  figure.commands = scale.palette_commands() + log_axis("x") + log_axis("y") +
                    fmt::format("set title {}\n", quoted(above_min ? "train loss − min loss" : "train loss (U)")) +
                    "set xlabel \"iteration\"\nset key top right\n" + plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan entropy_vs_iteration(const ReportInputs& inputs, const Settings& settings) {
  const std::string column = fmt::format("entropy_k{}", settings.entropy_k);
  auto chosen = runs_with(inputs, settings, {column});
  if (chosen.runs.empty()) return FigurePlan::skip(chosen.missing);
  FigureSpec figure;
  figure.stem = "entropy_vs_iteration";
  figure.title = "Entropy";
  figure.caption = fmt::format("trajectory entropy {} (kNN, k = {}) against iteration for {} learning rates", column,
                               settings.entropy_k, chosen.runs.size());
  const auto scale = RateScale::of(rates_of(chosen.runs));
  RateCurveStyle style;
  style.log_y = false;
  auto clauses = rate_curves(figure, chosen.runs, column, scale, style);
  if (clauses.empty()) return FigurePlan::skip("no finite " + column + " values (the trajectory queue never filled?)");
  if (inputs.uniform.entropy) clauses.push_back(uniform_clause(*inputs.uniform.entropy, "uniform"));
  figure.commands = scale.palette_commands() + log_axis("x") +
                    fmt::format("set title {}\n", quoted(fmt::format("entropy (S), k = {}", settings.entropy_k))) +
                    "set xlabel \"iteration\"\nset key top left\n"
                    // Head room above the dashed uniform entropy for the legend.
                    "set offsets graph 0.03, graph 0.03, graph 0.12, 0\n" +
                    plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan snr_vs_iteration(const ReportInputs& inputs, const Settings& settings) {
  auto chosen = runs_with(inputs, settings, {"snr"}, CurveChoice::snr);
  if (chosen.runs.empty()) return FigurePlan::skip(chosen.missing);
  FigureSpec figure;
  figure.stem = "snr_vs_iteration";
  figure.title = "Signal-to-noise ratio";
  figure.caption = fmt::format(
      "SNR = ‖g‖ / rms‖g_i − g‖ against iteration for {} learning rates: faint the logged values, solid smoothed by a "
      "Gaussian of width {} in ln(iteration), dashed the stationary mean (stationary.csv)",
      chosen.runs.size(), number(settings.smoothing));
  const auto scale = RateScale::of(rates_of(chosen.runs));
  RateCurveStyle style;
  style.smoothing = settings.smoothing;
  style.line_width = 2.0;
  auto clauses = rate_curves(figure, chosen.runs, "snr", scale, style);
  if (clauses.empty()) return FigurePlan::skip("no finite positive snr values");
  for (const auto* run : chosen.runs) {
    if (const auto mean = stationary_mean(inputs, "snr", run->learning_rate); mean && *mean > 0.0) {
      clauses.push_back(
          fmt::format("{} with lines dt 2 lw 1.5 lc palette cb {} notitle", number(*mean), number(run->learning_rate)));
    }
  }
  figure.commands = scale.palette_commands() + log_axis("x") + log_axis("y") +
                    "set title \"SNR\"\nset xlabel \"iteration\"\n" + plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan grad_norms_vs_iteration(const ReportInputs& inputs, const Settings& settings) {
  auto chosen = runs_with(inputs, settings, {"full_grad_norm", "stoch_grad_mean_norm"}, CurveChoice::grad_norm);
  if (chosen.runs.empty()) return FigurePlan::skip(chosen.missing);
  FigureSpec figure;
  figure.stem = "grad_norms_vs_iteration";
  figure.title = "Gradient norms";
  // The reference's gradient-norm cells smooth with filter_sigma .2, as most of its SNR cells do.
  figure.caption = fmt::format(
      "full gradient norm ‖g‖ (solid) and mean stochastic gradient norm mean‖g_i‖ (dashed) against iteration for {} "
      "learning rates: faint the logged values, bold smoothed by a Gaussian of width {} in ln(iteration)",
      chosen.runs.size(), number(settings.grad_norm_smoothing));
  const auto scale = RateScale::of(rates_of(chosen.runs));
  RateCurveStyle full_style;
  full_style.smoothing = settings.grad_norm_smoothing;
  auto clauses = rate_curves(figure, chosen.runs, "full_grad_norm", scale, full_style);
  RateCurveStyle stochastic_style;
  stochastic_style.smoothing = settings.grad_norm_smoothing;
  stochastic_style.dash = "2";
  const auto stochastic = rate_curves(figure, chosen.runs, "stoch_grad_mean_norm", scale, stochastic_style);
  clauses.insert(clauses.end(), stochastic.begin(), stochastic.end());
  if (clauses.empty()) return FigurePlan::skip("no finite positive gradient norms");
  clauses.push_back("NaN with lines lw 1.5 lc rgb \"black\" title \"full GN ‖g‖\"");
  clauses.push_back("NaN with lines lw 1.5 dt 2 lc rgb \"black\" title \"mean stoch GN\"");
  figure.commands = scale.palette_commands() + log_axis("x") + log_axis("y") +
                    "set title \"gradient norms\"\nset xlabel \"iteration\"\nset key bottom left\n" +
                    plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

}  // namespace thermo::gnuplot_report
