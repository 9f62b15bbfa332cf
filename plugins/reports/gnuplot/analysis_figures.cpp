// Figures from the analysis folder: stationary U and S against LR, the temperature with its
// power-law fit, the free-energy curves, the temperature along training and the gradient phase.
#include "figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace thermo::gnuplot_report {
namespace {

constexpr const char* kBlue = "#1f77b4";
constexpr const char* kOrange = "#ff7f0e";
constexpr const char* kGreen = "#2ca02c";

// The columns of a table that a figure needs, or the first one missing.
std::string missing_column(const MetricsTable& table, const std::vector<std::string>& columns) {
  for (const auto& column : columns) {
    if (!table.has(column)) return column;
  }
  return {};
}

double at(const MetricsTable& table, const std::string& column, std::size_t row) {
  return table.has(column) ? table.column(column)[row] : std::nan("");
}

std::optional<double> json_number(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number()) return std::nullopt;
  const double value = object[key].get<double>();
  return std::isfinite(value) ? std::optional<double>(value) : std::nullopt;
}

// The smallest learning rate drawn when a figure starts at position `first` among the table's
// distinct finite rates (ascending); nullopt when there are not that many rates.
std::optional<double> first_drawn_rate(const MetricsTable& table, std::int64_t first) {
  std::vector<double> rates;
  for (const double rate : table.column("lr")) {
    if (std::isfinite(rate)) rates.push_back(rate);
  }
  std::sort(rates.begin(), rates.end());
  rates.erase(std::unique(rates.begin(), rates.end(), same_rate), rates.end());
  if (first < 0 || static_cast<std::size_t>(first) >= rates.size()) return std::nullopt;
  return rates[static_cast<std::size_t>(first)];
}

}  // namespace

FigurePlan loss_entropy_vs_lr(const ReportInputs& inputs, const Settings& settings) {
  if (!inputs.stationary) return FigurePlan::skip("no stationary.csv");
  const MetricsTable& table = *inputs.stationary;
  const std::string entropy = fmt::format("entropy_k{}", settings.entropy_k);
  if (const auto missing = missing_column(table, {"lr", "train_loss", entropy}); !missing.empty()) {
    return FigurePlan::skip("stationary.csv has no column " + missing);
  }
  const auto first_rate = first_drawn_rate(table, settings.loss_entropy_first_index);
  if (!first_rate) {
    return FigurePlan::skip(fmt::format("loss_entropy_first_index {} is past stationary.csv's learning rates",
                                        settings.loss_entropy_first_index));
  }
  const auto drawn = [&](std::size_t row) {
    const double rate = at(table, "lr", row);
    return rate >= *first_rate || same_rate(rate, *first_rate);
  };
  FigureSpec figure;
  figure.stem = "loss_entropy_vs_lr";
  figure.title = "Stationary loss and entropy";
  figure.caption = fmt::format(
      "stationary train loss U (left, log axis) and entropy S = {} (right) against the learning rate{}, ±1 std over "
      "the averaging window; dashed: uniform on the sphere (uniform.json); stationary.csv",
      entropy,
      settings.loss_entropy_first_index > 0 ? fmt::format(" from η = {} on", rate_label(*first_rate)) : std::string());
  const std::size_t loss_block =
      figure.data.begin_block("stationary loss: lr U U_low U_high", {"lr", "U", "low", "high"});
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    if (!drawn(row)) continue;
    const double loss = at(table, "train_loss", row);
    const double spread = std::isfinite(at(table, "train_loss_std", row)) ? at(table, "train_loss_std", row) : 0.0;
    // A band reaching 0 cannot be drawn on a log axis: it is cut a decade below U.
    figure.data.add_row({at(table, "lr", row), loss, std::max(loss - spread, loss / 10.0), loss + spread},
                        {true, true, true, true});
  }
  const bool has_loss = figure.data.end_block();
  const std::size_t entropy_block =
      figure.data.begin_block("stationary entropy: lr S S_low S_high", {"lr", "S", "low", "high"});
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    if (!drawn(row)) continue;
    const double value = at(table, entropy, row);
    const double spread = std::isfinite(at(table, entropy + "_std", row)) ? at(table, entropy + "_std", row) : 0.0;
    figure.data.add_row({at(table, "lr", row), value, value - spread, value + spread}, {true});
  }
  const bool has_entropy = figure.data.end_block();
  if (!has_loss || !has_entropy) return FigurePlan::skip("stationary.csv has no finite loss or entropy values");

  const std::string file = quoted(figure.stem + ".dat");
  std::vector<std::string> clauses = {
      fmt::format("{} index {} using 1:3:4 with filledcurves lc rgb \"{}\" notitle", file, loss_block, kBlue),
      fmt::format("{} index {} using 1:2 with linespoints lw 3 pt 7 ps 0.7 lc rgb \"{}\" title \"U\"", file, loss_block,
                  kBlue),
      fmt::format("{} index {} using 1:3:4 axes x1y2 with filledcurves lc rgb \"{}\" notitle", file, entropy_block,
                  kOrange),
      fmt::format("{} index {} using 1:2 axes x1y2 with linespoints lw 3 pt 7 ps 0.7 lc rgb \"{}\" title \"S\"", file,
                  entropy_block, kOrange)};
  if (inputs.uniform.loss && *inputs.uniform.loss > 0.0) {
    clauses.push_back(
        fmt::format("{} with lines dt 2 lw 2 lc rgb \"{}\" title \"uniform U\"", number(*inputs.uniform.loss), kBlue));
  }
  if (inputs.uniform.entropy) {
    clauses.push_back(fmt::format("{} axes x1y2 with lines dt 2 lw 2 lc rgb \"{}\" title \"uniform S\"",
                                  number(*inputs.uniform.entropy), kOrange));
  }
  figure.width = settings.width + 80;
  figure.commands = log_axis("x") + log_axis("y") +
                    fmt::format(
                        "set ytics nomirror textcolor rgb \"{0}\"\n"
                        "set y2tics textcolor rgb \"{1}\"\n"
                        "set ylabel \"loss (U)\" textcolor rgb \"{0}\"\n"
                        "set y2label \"entropy (S)\" textcolor rgb \"{1}\"\n"
                        "set xlabel \"learning rate (η)\"\n"
                        "set style fill transparent solid 0.22 noborder\n"
                        "set key below maxrows 1 width 1\n",
                        kBlue, kOrange) +
                    plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan temperature_vs_lr(const ReportInputs& inputs, const Settings&) {
  if (!inputs.temperature) return FigurePlan::skip("no temperature.csv");
  const MetricsTable& table = *inputs.temperature;
  if (const auto missing = missing_column(table, {"lr", "T", "T_min", "T_max"}); !missing.empty()) {
    return FigurePlan::skip("temperature.csv has no column " + missing);
  }
  FigureSpec figure;
  figure.stem = "temperature";
  figure.title = "Temperature";
  figure.caption =
      "temperature T = sqrt(T_min·T_max) against the learning rate (log–log), the band [T_min, T_max], dashed the "
      "power-law fit b·η^k (temperature.csv, temperature.json)";
  const std::size_t band = figure.data.begin_block("bounds: lr T_min T_max", {"lr", "T_min", "T_max"});
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    figure.data.add_row({at(table, "lr", row), at(table, "T_min", row), at(table, "T_max", row)}, {true, true, true});
  }
  const bool has_band = figure.data.end_block();
  const std::size_t line = figure.data.begin_block("temperature: lr T", {"lr", "T"});
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    figure.data.add_row({at(table, "lr", row), at(table, "T", row)}, {true, true});
  }
  if (!figure.data.end_block()) return FigurePlan::skip("temperature.csv has no temperature > 0");

  const std::string file = quoted(figure.stem + ".dat");
  std::vector<std::string> clauses;
  if (has_band) {
    clauses.push_back(
        fmt::format("{} index {} using 1:2:3 with filledcurves lc rgb \"{}\" title \"[T_{{min}}, T_{{max}}]\"", file,
                    band, kGreen));
  }
  clauses.push_back(fmt::format("{} index {} using 1:2 with linespoints lw 3 pt 7 ps 0.8 lc rgb \"{}\" title \"T\"",
                                file, line, kGreen));
  const auto fit = inputs.temperature_summary.is_object() ? inputs.temperature_summary.value("fit", nlohmann::json())
                                                          : nlohmann::json();
  const auto b = json_number(fit, "b");
  const auto k = json_number(fit, "k");
  if (b && k) {
    clauses.push_back(fmt::format("{}*x**({}) with lines dt 2 lw 2 lc rgb \"black\" title {}", number(*b), number(*k),
                                  quoted(fmt::format("{}·η^{{{:.2f}}}", scientific(*b), *k))));
  }
  figure.commands = log_axis("x") + log_axis("y") +
                    "set title \"temperature (T)\"\nset xlabel \"learning rate (η)\"\n"
                    "set style fill transparent solid 0.2 noborder\nset key bottom right box\n" +
                    plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan free_energy_curves(const ReportInputs& inputs, const Settings& settings) {
  if (!inputs.free_energy) return FigurePlan::skip("no free_energy.csv");
  const MetricsTable& table = *inputs.free_energy;
  if (const auto missing = missing_column(table, {"lr_i", "T_i", "lr", "F"}); !missing.empty()) {
    return FigurePlan::skip("free_energy.csv has no column " + missing);
  }
  // Curves in order of appearance, keyed by lr_i.
  std::vector<double> curve_rates;
  std::vector<double> curve_temperatures;
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    const double rate = at(table, "lr_i", row);
    const bool known =
        std::any_of(curve_rates.begin(), curve_rates.end(), [&](double r) { return same_rate(r, rate); });
    if (!known) {
      curve_rates.push_back(rate);
      curve_temperatures.push_back(at(table, "T_i", row));
    }
  }
  FigureSpec figure;
  figure.stem = "free_energy";
  figure.title = "Free energy";
  figure.caption =
      "free-energy curves F_i(η') = Ũ(η') − T_i·S̃(η') for the temperatures T_i of several learning rates η_i; the "
      "star marks each curve at its own η_i, where its minimum should sit (free_energy.csv)";
  const std::string file = quoted(figure.stem + ".dat");
  std::vector<std::string> clauses;
  const std::size_t curves = curve_rates.size();
  for (std::size_t curve = 0; curve < curves; ++curve) {
    const std::size_t block = figure.data.begin_block(
        fmt::format("F for lr_i {} (T_i {})", number(curve_rates[curve]), number(curve_temperatures[curve])),
        {"lr", "F"});
    for (std::size_t row = 0; row < table.row_count(); ++row) {
      if (same_rate(at(table, "lr_i", row), curve_rates[curve])) {
        figure.data.add_row({at(table, "lr", row), at(table, "F", row)}, {true});
      }
    }
    if (!figure.data.end_block()) continue;
    const double position = curves > 1 ? static_cast<double>(curve) / static_cast<double>(curves - 1) : 0.5;
    clauses.push_back(fmt::format("{} index {} using 1:2 with linespoints lw 2.5 pt 7 ps 0.6 lc rgb \"{}\" title {}",
                                  file, block, rainbow(0.08 + 0.84 * position),
                                  quoted(fmt::format("{:.1e}", curve_temperatures[curve]))));
  }
  if (clauses.empty()) return FigurePlan::skip("free_energy.csv has no finite values");
  const std::size_t stars = figure.data.begin_block("each curve at its own lr_i", {"lr", "F"});
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    if (same_rate(at(table, "lr_i", row), at(table, "lr", row))) {
      figure.data.add_row({at(table, "lr", row), at(table, "F", row)}, {true});
    }
  }
  if (figure.data.end_block()) {
    clauses.push_back(fmt::format(
        "{} index {} using 1:2:(\"★\") with labels font \",18\" textcolor rgb \"black\" notitle", file, stars));
  }
  figure.width = settings.width + 160;
  figure.commands = log_axis("x") +
                    "set title \"free energy (F)\"\nset xlabel \"learning rate (η)\"\n"
                    "set key outside right top title \"temperature (T)\" box\n" +
                    plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan temperature_decay(const ReportInputs& inputs, const Settings&) {
  if (!inputs.temperature_decay) return FigurePlan::skip("no temperature_decay.csv");
  const MetricsTable& table = *inputs.temperature_decay;
  if (const auto missing = missing_column(table, {"lr", "iteration", "T"}); !missing.empty()) {
    return FigurePlan::skip("temperature_decay.csv has no column " + missing);
  }
  std::vector<double> rates;
  for (std::size_t row = 0; row < table.row_count(); ++row) {
    const double rate = at(table, "lr", row);
    if (std::none_of(rates.begin(), rates.end(), [&](double r) { return same_rate(r, rate); })) rates.push_back(rate);
  }
  FigureSpec figure;
  figure.stem = "temperature_decay";
  figure.title = "Temperature along training";
  figure.caption =
      "T_t = (U_{t+o} − U_{t−o}) / (S_{t+o} − S_{t−o}) over the last log points of a run, against iteration "
      "(temperature_decay.csv)";
  const std::string file = quoted(figure.stem + ".dat");
  std::vector<std::string> clauses;
  for (std::size_t curve = 0; curve < rates.size(); ++curve) {
    const std::size_t block =
        figure.data.begin_block(fmt::format("T_t at lr {}", number(rates[curve])), {"iteration", "T"});
    for (std::size_t row = 0; row < table.row_count(); ++row) {
      if (same_rate(at(table, "lr", row), rates[curve])) {
        figure.data.add_row({at(table, "iteration", row), at(table, "T", row)}, {true});
      }
    }
    if (!figure.data.end_block()) continue;
    clauses.push_back(fmt::format("{} index {} using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb \"{}\" title {}",
                                  file, block, category_colour(curve),
                                  quoted(fmt::format("η = {}", rate_label(rates[curve])))));
  }
  if (clauses.empty()) return FigurePlan::skip("temperature_decay.csv has no finite values");
  figure.commands = log_axis("x") +
                    "set title \"temperature along training (T_t)\"\nset xlabel \"iteration\"\n"
                    "set xzeroaxis lt -1 lw 1\nset key top right\n" +
                    plot_command(clauses);
  return FigurePlan::draw(std::move(figure));
}

FigurePlan gradient_phase(const ReportInputs& inputs, const Settings&) {
  if (!inputs.gradient_phase) return FigurePlan::skip("no gradient_phase.csv");
  const MetricsTable& table = *inputs.gradient_phase;
  if (const auto missing = missing_column(table, {"group", "full_grad_norm", "stoch_grad_mean_norm"});
      !missing.empty()) {
    return FigurePlan::skip("gradient_phase.csv has no column " + missing);
  }
  const auto& summary = inputs.gradient_phase_summary;
  const nlohmann::json groups =
      summary.is_object() ? summary.value("groups", nlohmann::json::object()) : nlohmann::json::object();
  const bool by_index = summary.is_object() && summary.value("group_column", std::string("value")) == "index";
  std::string key = summary.is_object() ? summary.value("group_key", std::string("group")) : std::string("group");
  if (const auto dot = key.rfind('.'); dot != std::string::npos) key = key.substr(dot + 1);

  struct Group {
    std::string name;
    double column_value = 0.0;
    nlohmann::json fit;
  };
  std::vector<Group> ordered;
  for (const auto& [name, fit] : groups.items()) {
    const auto value = by_index ? json_number(fit, "index") : json_number(fit, "value");
    if (value) ordered.push_back({name, *value, fit});
  }
  if (ordered.empty()) {
    // No summary: the groups are the distinct values of the group column.
    for (std::size_t row = 0; row < table.row_count(); ++row) {
      const double value = at(table, "group", row);
      if (std::none_of(ordered.begin(), ordered.end(), [&](const Group& g) { return g.column_value == value; })) {
        ordered.push_back({fmt::format("{}", value), value, nlohmann::json()});
      }
    }
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Group& a, const Group& b) { return a.column_value < b.column_value; });

  FigureSpec figure;
  figure.stem = "gradient_phase";
  figure.title = "Gradient phase";
  figure.caption = fmt::format(
      "mean stochastic gradient norm against full gradient norm (log–log) per {}, late log points; dashed the fits "
      "c·‖g‖^k (gradient_phase.csv, gradient_phase.json)",
      key);
  const std::string file = quoted(figure.stem + ".dat");
  std::vector<std::string> points;
  std::vector<std::string> fits;
  for (std::size_t index = 0; index < ordered.size(); ++index) {
    const auto& group = ordered[index];
    const std::size_t block =
        figure.data.begin_block(fmt::format("{} = {}", key, group.name), {"full_grad_norm", "stoch_grad_mean_norm"});
    for (std::size_t row = 0; row < table.row_count(); ++row) {
      if (at(table, "group", row) == group.column_value) {
        figure.data.add_row({at(table, "full_grad_norm", row), at(table, "stoch_grad_mean_norm", row)}, {true, true});
      }
    }
    if (!figure.data.end_block()) continue;
    const std::string colour = category_colour(index);
    points.push_back(fmt::format("{} index {} using 1:2 with points pt 7 ps 1 lc rgb \"{}\" title {} noenhanced", file,
                                 block, colour, quoted(fmt::format("{} = {}", key, group.name))));
    const auto coefficient = json_number(group.fit, "coefficient");
    const auto slope = json_number(group.fit, "k");
    if (coefficient && slope) {
      fits.push_back(fmt::format("{}*x**({}) with lines dt 2 lw 2 lc rgb \"{}\" title {}", number(*coefficient),
                                 number(*slope), colour,
                                 quoted(fmt::format("{}·‖g‖^{{{:.2f}}}", scientific(*coefficient), *slope))));
    }
  }
  if (points.empty()) return FigurePlan::skip("gradient_phase.csv has no positive gradient norms");
  points.insert(points.end(), fits.begin(), fits.end());
  figure.commands = log_axis("x") + log_axis("y") +
                    "set xlabel \"full GN ‖g‖\"\nset ylabel \"mean stoch GN\"\nset title \"gradient phase\"\n"
                    "set key top left box\n" +
                    plot_command(points);
  return FigurePlan::draw(std::move(figure));
}

}  // namespace thermo::gnuplot_report
