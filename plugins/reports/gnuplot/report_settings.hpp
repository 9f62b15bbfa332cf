#pragma once
// The gnuplot report's parameters: their schema (documented by `thermo plugins describe gnuplot`)
// and the checked values the figures use.

#include <thermo/params.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace thermo::gnuplot_report {

struct Settings {
  std::vector<std::string> formats = {"svg", "png"};  // each figure is drawn in every format
  std::int64_t curves = 12;                           // LRs drawn in the per-iteration figures
  // Explicit choices of the curves, as the reference's notebooks make them: positions among the
  // finished runs' distinct LRs in ascending order (the notebooks' lrs_id), or LR values.
  std::optional<std::vector<std::int64_t>> curve_indices;       // loss, entropy, toy metrics
  std::optional<std::vector<double>> curve_lrs;                 // instead of curve_indices
  std::optional<std::vector<std::int64_t>> snr_indices;         // SNR; null: as the curves
  std::optional<std::vector<std::int64_t>> grad_norm_indices;   // gradient norms; null: as SNR
  std::optional<std::vector<std::int64_t>> trajectory_indices;  // toy sphere; null: 4 spread LRs
  std::int64_t entropy_k = 50;                                  // which entropy_k<k> column is drawn
  // loss_entropy_vs_lr draws stationary.csv from this position among its distinct LRs (ascending)
  // on, as a notebook drawing U and S from its (st_l + 1)-th LR; 0: every LR.
  std::int64_t loss_entropy_first_index = 0;
  double smoothing = 0.1;            // Gaussian width in ln(iteration) of SNR, gradient-norm and toy curves; 0: none
  double grad_norm_smoothing = 0.1;  // the gradient-norm figure's (report option null: smoothing)
  std::string title;                 // empty: the experiment's name
  std::string gnuplot = "gnuplot";
  std::string lr_key;        // empty: the learning rate each run recorded (summary.json); else a configuration key
  std::int64_t width = 640;  // figure size in pixels (a multi-panel figure is larger)
  std::int64_t height = 480;

  [[nodiscard]] bool draws(const std::string& format) const;
};

[[nodiscard]] ParamSchema schema();

// Values from validated parameters; UserError naming the parameter for a format gnuplot cannot write.
[[nodiscard]] Settings settings_from(const Params& params);

}  // namespace thermo::gnuplot_report
