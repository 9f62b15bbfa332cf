// The toy problem's sphere, as the paper's first figure: the loss on the unit sphere as a heat map
// (sphere_map.csv) and the trajectories of a few learning rates over it (sphere_trajectories.csv).
// The sphere is drawn in orthographic projection from one side: the facing hemisphere as a disk
// whose points carry the loss (interpolated from the latitude-longitude grid), with a graticule
// every 30°, and the trajectories' facing parts on top.
#include "figures.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <numbers>

namespace thermo::gnuplot_report {
namespace {

using Vector = std::array<double, 3>;

Vector normalised(const Vector& v) {
  const double length = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  return {v[0] / length, v[1] / length, v[2] / length};
}

double dot(const Vector& a, const Vector& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

// The view: the viewer's direction (between the toy's start (−0.8, 0.6, 0.1) and its attracting
// pole +e_z), and the screen's right and up directions (+e_z projected points up).
struct View {
  Vector toward = normalised({-0.55, 0.45, 0.70});
  Vector up;
  Vector right;

  View() {
    const Vector z = {0.0, 0.0, 1.0};
    const double along = dot(z, toward);
    up = normalised({z[0] - along * toward[0], z[1] - along * toward[1], z[2] - along * toward[2]});
    right = {up[1] * toward[2] - up[2] * toward[1], up[2] * toward[0] - up[0] * toward[2],
             up[0] * toward[1] - up[1] * toward[0]};
  }
  [[nodiscard]] bool facing(const Vector& p) const { return dot(p, toward) >= 0.0; }
  [[nodiscard]] std::array<double, 2> screen(const Vector& p) const { return {dot(p, right), dot(p, up)}; }
  [[nodiscard]] Vector point(double u, double v) const {
    const double w = std::sqrt(std::max(0.0, 1.0 - u * u - v * v));
    return {u * right[0] + v * up[0] + w * toward[0], u * right[1] + v * up[1] + w * toward[1],
            u * right[2] + v * up[2] + w * toward[2]};
  }
};

// The loss on the latitude-longitude grid of sphere_map.csv (latitude by latitude, each with the
// same number of longitudes from 0 to 2π), interpolated bilinearly at any point of the sphere.
class LossGrid {
 public:
  explicit LossGrid(const MetricsTable& table) {
    const auto theta = table.column("theta");
    const auto loss = table.column("loss");
    for (std::size_t row = 0; row < table.row_count(); ++row) {
      if (row == 0 || theta[row] != theta[row - 1]) rows_.emplace_back();
      rows_.back().push_back(loss[row]);
    }
  }
  [[nodiscard]] bool valid() const {
    if (rows_.size() < 2 || rows_.front().size() < 2) return false;
    for (const auto& row : rows_) {
      if (row.size() != rows_.front().size()) return false;
    }
    return true;
  }
  [[nodiscard]] double at(const Vector& p) const {
    const double theta = std::acos(std::clamp(p[2], -1.0, 1.0));
    double phi = std::atan2(p[1], p[0]);
    if (phi < 0.0) phi += 2.0 * std::numbers::pi;
    const double t = theta / std::numbers::pi * static_cast<double>(rows_.size() - 1);
    const double f = phi / (2.0 * std::numbers::pi) * static_cast<double>(rows_.front().size() - 1);
    const auto i = std::min(static_cast<std::size_t>(t), rows_.size() - 2);
    const auto j = std::min(static_cast<std::size_t>(f), rows_.front().size() - 2);
    const double a = t - static_cast<double>(i);
    const double b = f - static_cast<double>(j);
    return (1 - a) * ((1 - b) * rows_[i][j] + b * rows_[i][j + 1]) +
           a * ((1 - b) * rows_[i + 1][j] + b * rows_[i + 1][j + 1]);
  }

 private:
  std::vector<std::vector<double>> rows_;
};

// Adds the facing part of a path on the sphere to the current block (a blank line where it goes
// behind).
void add_path(DataFile& data, const View& view, const std::vector<Vector>& points) {
  for (const auto& p : points) {
    if (!view.facing(p)) {
      data.break_scan();
      continue;
    }
    const auto screen = view.screen(p);
    data.add_row({screen[0], screen[1], 0.0});
  }
  data.break_scan();
}

}  // namespace

FigurePlan toy_sphere(const ReportInputs& inputs, const Settings& settings) {
  if (!inputs.sphere_map) return FigurePlan::skip("no sphere_map.csv (add the sphere_map analysis)");
  const MetricsTable& table = *inputs.sphere_map;
  for (const char* column : {"theta", "loss"}) {
    if (!table.has(column)) return FigurePlan::skip(std::string("sphere_map.csv has no column ") + column);
  }
  const LossGrid grid(table);
  if (!grid.valid()) return FigurePlan::skip("sphere_map.csv is not a latitude-longitude grid");
  const View view;
  FigureSpec figure;
  figure.stem = "toy_sphere";
  figure.title = "Toy problem: trajectories on the sphere";
  figure.width = settings.height * 5 / 4 + 80;
  figure.height = settings.height * 5 / 4;
  const std::string file = quoted(figure.stem + ".dat");

  // The facing hemisphere as a disk on a polar grid (scans of constant radius).
  const std::size_t disk = figure.data.begin_block("the facing hemisphere: screen u v, loss", {"u", "v", "loss"});
  constexpr int kRadii = 60;
  constexpr int kAngles = 144;
  for (int r = 0; r <= kRadii; ++r) {
    const double radius = static_cast<double>(r) / kRadii;
    for (int a = 0; a <= kAngles; ++a) {
      const double angle = 2.0 * std::numbers::pi * a / kAngles;
      const double u = radius * std::cos(angle);
      const double v = radius * std::sin(angle);
      figure.data.add_row({u, v, grid.at(view.point(u, v))});
    }
    figure.data.break_scan();
  }
  if (!figure.data.end_block()) return FigurePlan::skip("sphere_map.csv has no finite values");

  // Parallels and meridians every 30°.
  const std::size_t graticule = figure.data.begin_block("graticule every 30 degrees: u v", {"u", "v", "z"});
  for (int degrees = 30; degrees <= 150; degrees += 30) {
    std::vector<Vector> parallel;
    const double theta = degrees * std::numbers::pi / 180.0;
    for (int step = 0; step <= 180; ++step) {
      const double phi = 2.0 * std::numbers::pi * step / 180;
      parallel.push_back({std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)});
    }
    add_path(figure.data, view, parallel);
  }
  for (int degrees = 0; degrees < 360; degrees += 30) {
    std::vector<Vector> meridian;
    const double phi = degrees * std::numbers::pi / 180.0;
    for (int step = 0; step <= 90; ++step) {
      const double theta = std::numbers::pi * step / 90;
      meridian.push_back({std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)});
    }
    add_path(figure.data, view, meridian);
  }
  figure.data.end_block();
  // The rim of the disk.
  const std::size_t rim = figure.data.begin_block("the rim: u v", {"u", "v", "z"});
  for (int step = 0; step <= 180; ++step) {
    const double angle = 2.0 * std::numbers::pi * step / 180;
    figure.data.add_row({std::cos(angle), std::sin(angle), 0.0});
  }
  figure.data.end_block();

  std::vector<std::string> clauses = {
      fmt::format("{} index {} using 1:2:3 with pm3d notitle", file, disk),
      fmt::format("{} index {} using 1:2:3 with lines lw 0.6 lc rgb \"#80ffffff\" notitle", file, graticule),
      fmt::format("{} index {} using 1:2:3 with lines lw 1.2 lc rgb \"#333333\" notitle", file, rim)};
  std::string caption_runs = "no trajectories (the runs wrote no checkpoints)";
  if (inputs.sphere_trajectories && inputs.sphere_trajectories->row_count() > 0) {
    const MetricsTable& paths = *inputs.sphere_trajectories;
    const auto chosen = inputs.chosen_runs(settings.trajectory_indices, std::nullopt, 4);
    std::size_t drawn = 0;
    for (const RunSeries* run : chosen) {
      std::vector<Vector> points;
      for (std::size_t row = 0; row < paths.row_count(); ++row) {
        if (!same_rate(paths.column("lr")[row], run->learning_rate)) continue;
        const Vector p = {paths.column("x")[row], paths.column("y")[row], paths.column("z")[row]};
        const double norm = std::sqrt(dot(p, p));
        if (std::isfinite(norm) && norm > 0.0) points.push_back({p[0] / norm, p[1] / norm, p[2] / norm});
      }
      if (points.empty()) continue;
      const std::size_t block = figure.data.begin_block(
          fmt::format("trajectory at lr {}: screen u v (its facing part)", number(run->learning_rate)),
          {"u", "v", "z"});
      add_path(figure.data, view, points);
      if (!figure.data.end_block()) continue;
      clauses.push_back(fmt::format("{} index {} using 1:2:3 with linespoints lw 2 pt 7 ps 0.5 lc rgb \"{}\" title {}",
                                    file, block, category_colour(drawn),
                                    quoted("lr " + rate_label(run->learning_rate))));
      ++drawn;
    }
    caption_runs =
        fmt::format("the iterates of {} learning rates at their checkpoints (sphere_trajectories.csv)", drawn);
  }
  figure.caption = fmt::format(
      "the toy problem on the unit sphere, seen from between its start and the pole +e_z (orthographic, the facing "
      "hemisphere): the full training loss as a heat map (sphere_map.csv), parallels and meridians every 30°, and {}",
      caption_runs);
  figure.commands =
      "set view map\n"
      "set size ratio -1\n"
      "unset border\nunset tics\nset cbtics\nunset xlabel\nunset ylabel\nunset grid\n"
      "set xrange [-1.05:1.05]\nset yrange [-1.05:1.05]\n"
      "set palette defined (0 \"#440154\", 1 \"#3b528b\", 2 \"#21918c\", 3 \"#5ec962\", 4 \"#fde725\")\n"
      "set cblabel \"loss\"\n"
      "set key at screen 0.01, screen 0.99 left top box lc rgb \"#cccccc\" spacing 1.1\n"
      "set title \"trajectories on the sphere over the loss\" offset 6,0\n" +
      [&] {
        std::string text = "splot ";
        for (std::size_t i = 0; i < clauses.size(); ++i) text += (i == 0 ? "" : ", \\\n      ") + clauses[i];
        return text + "\n";
      }();
  return FigurePlan::draw(std::move(figure));
}

}  // namespace thermo::gnuplot_report
