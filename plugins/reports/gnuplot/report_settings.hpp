#pragma once
// The gnuplot report's parameters: their schema (documented by `thermo plugins describe gnuplot`)
// and the checked values the figures use.

#include <thermo/params.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace thermo::gnuplot_report {

struct Settings {
  std::vector<std::string> formats = {"svg", "png"};  // each figure is drawn in every format
  std::int64_t curves = 12;                           // LRs drawn in the per-iteration figures
  std::int64_t entropy_k = 50;                        // which entropy_k<k> column is drawn
  double smoothing = 0.1;                             // Gaussian width in log10(iteration); 0: no smoothing
  std::string title;                                  // empty: the experiment's name
  std::string gnuplot = "gnuplot";
  std::string lr_key = "optimizer.elr";
  std::int64_t width = 640;  // figure size in pixels (a multi-panel figure is larger)
  std::int64_t height = 480;

  [[nodiscard]] bool draws(const std::string& format) const;
};

[[nodiscard]] ParamSchema schema();

// Values from validated parameters; UserError naming the parameter for a format gnuplot cannot write.
[[nodiscard]] Settings settings_from(const Params& params);

}  // namespace thermo::gnuplot_report
