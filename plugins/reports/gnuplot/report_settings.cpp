#include "report_settings.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace thermo::gnuplot_report {

bool Settings::draws(const std::string& format) const {
  return std::find(formats.begin(), formats.end(), format) != formats.end();
}

ParamSchema schema() {
  ParamSchema schema;
  schema.add("formats", ParamType::string_list, "the image formats each figure is drawn in: svg, png")
      .def(std::vector<std::string>{"svg", "png"})
      .size_between(1, 2);
  schema
      .add("curves", ParamType::integer,
           "how many learning rates the per-iteration figures draw, evenly spaced in log LR among the finished runs")
      .def(std::int64_t{12})
      .min(1);
  schema
      .add("curve_indices", ParamType::integer_list,
           "the learning rates the loss, entropy and toy-metric figures draw, as positions among the finished runs' "
           "distinct LRs in ascending order (the notebooks' lrs_id); null: `curves` spread in log LR")
      .def(std::monostate{})
      .allow_null()
      .min(0.0);
  schema
      .add("curve_lrs", ParamType::real_list,
           "the learning rates those figures draw, as values (relative 1e-6), instead of curve_indices")
      .def(std::monostate{})
      .allow_null()
      .min(0.0, true);
  schema
      .add("snr_indices", ParamType::integer_list,
           "the learning rates the SNR figure draws, as positions among the distinct LRs; null: as the other curves")
      .def(std::monostate{})
      .allow_null()
      .min(0.0);
  schema
      .add("grad_norm_indices", ParamType::integer_list,
           "the learning rates the gradient-norm figure draws, as positions among the distinct LRs; null: as the SNR")
      .def(std::monostate{})
      .allow_null()
      .min(0.0);
  schema
      .add("trajectory_indices", ParamType::integer_list,
           "the learning rates whose trajectories the toy sphere figure draws, as positions among the distinct LRs; "
           "null: 4 spread in log LR")
      .def(std::monostate{})
      .allow_null()
      .min(0.0);
  schema.add("entropy_k", ParamType::integer, "the k of the entropy drawn (the metrics column entropy_k<k>)")
      .def(std::int64_t{50})
      .min(1);
  schema
      .add("loss_entropy_first_index", ParamType::integer,
           "the stationary U and S against LR are drawn from this position among stationary.csv's distinct LRs "
           "(ascending) on, as the notebooks' st_l; 0: every LR")
      .def(std::int64_t{0})
      .min(0);
  schema
      .add("smoothing", ParamType::real,
           "width (standard deviation) in ln(iteration) of the Gaussian smoothing of SNR, gradient-norm and toy "
           "curves, as the reference smooths them; 0: none")
      .def(0.1)
      .min(0.0);
  schema
      .add("grad_norm_smoothing", ParamType::real,
           "the gradient-norm figure's smoothing width, where a notebook smooths it unlike its SNR; null: smoothing")
      .def(std::monostate{})
      .allow_null()
      .min(0.0);
  schema.add("title", ParamType::string, "the title of report/index.html; empty: the experiment's name")
      .def(std::string());
  schema.add("gnuplot", ParamType::string, "the gnuplot program (a name looked up on PATH, or a path)")
      .def(std::string("gnuplot"));
  add_lr_key_param(schema);
  schema.add("width", ParamType::integer, "figure width in pixels").def(std::int64_t{640}).min(200).max(4000);
  schema.add("height", ParamType::integer, "figure height in pixels").def(std::int64_t{480}).min(150).max(4000);
  return schema;
}

Settings settings_from(const Params& params) {
  Settings settings;
  settings.formats = params.get_string_list("formats");
  for (const auto& format : settings.formats) {
    if (format != "svg" && format != "png") {
      throw UserError(SourceLocation{}, "report.formats",
                      fmt::format("unknown format '{}': the gnuplot report draws svg and png", format));
    }
  }
  settings.curves = params.get_int("curves");
  const auto indices = [&params](const char* name) -> std::optional<std::vector<std::int64_t>> {
    if (params.is_null(name)) return std::nullopt;
    return params.get_int_list(name);
  };
  settings.curve_indices = indices("curve_indices");
  settings.snr_indices = indices("snr_indices");
  settings.grad_norm_indices = indices("grad_norm_indices");
  settings.trajectory_indices = indices("trajectory_indices");
  if (!params.is_null("curve_lrs")) settings.curve_lrs = params.get_real_list("curve_lrs");
  if (settings.curve_indices && settings.curve_lrs) {
    throw UserError(SourceLocation{}, "report.curve_lrs", "give either curve_indices or curve_lrs, not both");
  }
  settings.entropy_k = params.get_int("entropy_k");
  settings.loss_entropy_first_index = params.get_int("loss_entropy_first_index");
  settings.smoothing = params.get_real("smoothing");
  settings.grad_norm_smoothing =
      params.is_null("grad_norm_smoothing") ? settings.smoothing : params.get_real("grad_norm_smoothing");
  settings.title = params.get_string("title");
  settings.gnuplot = params.get_string("gnuplot");
  if (settings.gnuplot.empty()) {
    throw UserError(SourceLocation{}, "report.gnuplot", "empty: name the gnuplot program (e.g. gnuplot)");
  }
  settings.lr_key = lr_key_from(params);
  settings.width = params.get_int("width");
  settings.height = params.get_int("height");
  return settings;
}

}  // namespace thermo::gnuplot_report
