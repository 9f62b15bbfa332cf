#include "index_page.hpp"

#include <thermo/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace thermo::gnuplot_report {
namespace {

constexpr const char* kStyle = R"css(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5em; color: #222; background: #fff; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.description { color: #444; font-size: 1.05em; }
.meta { color: #777; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.status-completed { color: #1a7f37; }
.status-diverged { color: #b35900; font-weight: bold; }
.status-failed { color: #c62828; font-weight: bold; }
.status-pending, .status-running { color: #777; }
figure { margin: 1.5em 0; padding: 0.8em; border: 1px solid #e4e4e4; border-radius: 6px; }
figure h3 { margin: 0 0 0.5em 0; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.92em; margin-top: 0.4em; }
code { background: #f4f4f4; padding: 0 0.2em; }
)css";

// Records how many images loaded and how many failed, for headless-browser checks.
constexpr const char* kScript = R"js(
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.dataset.imagesTotal = String(images.length);
  document.body.dataset.imagesLoaded = String(loaded);
  document.body.dataset.imagesFailed = String(images.length - loaded);
});
)js";

std::string text_of(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) return format_number(value.get<double>());
  return value.dump();
}

std::string number_text(const nlohmann::json& value) {
  if (value.is_number()) return fmt::format("{:.4g}", value.get<double>());
  return value.is_null() ? "–" : text_of(value);
}

// A path to `target` relative to `from`, with '/' separators, or "" when there is none.
std::string relative_link(const std::filesystem::path& target, const std::filesystem::path& from) {
  const auto relative = std::filesystem::absolute(target).lexically_normal().lexically_relative(
      std::filesystem::absolute(from).lexically_normal());
  return relative.empty() ? std::string() : relative.generic_string();
}

void key_row(std::string& html, const std::string& name, const std::string& value) {
  html += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", escape_html(name), value);
}

std::string key_numbers(const ReportInputs& inputs, const Settings& settings) {
  std::string html;
  if (inputs.experiment != nullptr) {
    std::map<std::string, std::size_t> counts;
    for (const auto& run : inputs.experiment->runs) ++counts[run.status];
    std::string text = fmt::format("{}", inputs.experiment->runs.size());
    std::string parts;
    for (const auto& [status, count] : counts)
      parts += (parts.empty() ? "" : ", ") + fmt::format("{} {}", count, status);
    key_row(html, "runs", escape_html(text + (parts.empty() ? "" : " (" + parts + ")")));
  }
  const auto& temperature = inputs.temperature_summary;
  if (temperature.is_object()) {
    const auto fit = temperature.value("fit", nlohmann::json::object());
    if (fit.is_object() && fit.contains("b") && fit.contains("k")) {
      key_row(html, "power law T ≈ b·η^k",
              fmt::format("b = {}, k = {} <span class=\"meta\">(least squares over {} learning rates)</span>",
                          escape_html(number_text(fit["b"])), escape_html(number_text(fit["k"])),
                          escape_html(number_text(fit.value("points_used", nlohmann::json())))));
    }
    const auto range = temperature.value("range", nlohmann::json::object());
    if (range.is_object() && range.contains("first_lr")) {
      key_row(
          html, "learning-rate range",
          escape_html(fmt::format("[{}, {}], rows [{}, {}) of stationary.csv", number_text(range["first_lr"]),
                                  number_text(range["last_lr"]), number_text(range.value("begin", nlohmann::json())),
                                  number_text(range.value("end", nlohmann::json())))));
    }
    if (temperature.contains("eps")) key_row(html, "ε of the bounds", escape_html(number_text(temperature["eps"])));
    if (temperature.contains("smoothing_width")) {
      key_row(html, "smoothing width (ln η)", escape_html(number_text(temperature["smoothing_width"])));
    }
  }
  const auto& free_energy = inputs.free_energy_summary;
  if (free_energy.is_object() && free_energy.contains("curve_count")) {
    key_row(html, "free-energy minima at their own LR",
            escape_html(fmt::format("{} of {}", number_text(free_energy.value("minima_at_own_lr", nlohmann::json())),
                                    number_text(free_energy["curve_count"]))));
  }
  const auto& phase = inputs.gradient_phase_summary;
  if (phase.is_object() && phase.value("groups", nlohmann::json()).is_object()) {
    std::string fits;
    for (const auto& [name, fit] : phase["groups"].items()) {
      fits += (fits.empty() ? "" : "; ") + fmt::format("{}: k = {}, c = {}", name,
                                                       number_text(fit.value("k", nlohmann::json())),
                                                       number_text(fit.value("coefficient", nlohmann::json())));
    }
    if (!fits.empty()) {
      key_row(html, fmt::format("gradient phase by {}", phase.value("group_key", std::string("group"))),
              escape_html(fits));
    }
  }
  if (inputs.uniform.entropy) {
    key_row(html, fmt::format("uniform entropy (k = {})", settings.entropy_k),
            escape_html(fmt::format("{:.6g}", *inputs.uniform.entropy)));
  }
  if (inputs.uniform.loss) key_row(html, "uniform loss", escape_html(fmt::format("{:.6g}", *inputs.uniform.loss)));
  if (html.empty()) return "<p>No analysis summaries found.</p>\n";
  return "<table class=\"key-numbers\">\n" + html + "</table>\n";
}

std::string run_table(const ReportInputs& inputs, const Settings& settings) {
  if (inputs.experiment == nullptr) return "<p>This report was drawn from an analysed table; there are no runs.</p>\n";
  std::string html =
      "<table class=\"runs\">\n<tr><th>#</th><th>run</th><th>learning rate</th><th>overrides</th>"
      "<th>status</th><th>message</th></tr>\n";
  for (const auto& run : inputs.experiment->runs) {
    std::string overrides;
    if (run.overrides.is_object()) {
      for (const auto& [key, value] : run.overrides.items()) {
        overrides += (overrides.empty() ? "" : ", ") + key + "=" + text_of(value);
      }
    }
    const auto rate = inputs.experiment->learning_rate_of(run, settings.lr_key);
    std::string label = escape_html(run.label);
    if (std::filesystem::exists(run.dir / "metrics.csv")) {
      const auto link = relative_link(run.dir / "metrics.csv", inputs.report_dir);
      if (!link.empty()) label = fmt::format("<a href=\"{}\">{}</a>", escape_html(link), label);
    }
    html += fmt::format(
        "<tr><td class=\"number\">{}</td><td>{}</td><td class=\"number\">{}</td><td><code>{}</code></td>"
        "<td class=\"status-{}\">{}</td><td>{}</td></tr>\n",
        run.index, label, escape_html(rate.is_null() ? "–" : text_of(rate)), escape_html(overrides),
        escape_html(run.status), escape_html(run.status), escape_html(run.message));
  }
  return html + "</table>\n";
}

std::string analysis_links(const ReportInputs& inputs) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(inputs.analysis_dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(inputs.analysis_dir)) {
      const auto extension = entry.path().extension();
      if (entry.is_regular_file() && (extension == ".csv" || extension == ".json")) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return "<p>The analysis folder holds no tables.</p>\n";
  std::string html = "<ul class=\"analysis-files\">\n";
  for (const auto& file : files) {
    const auto link = relative_link(file, inputs.report_dir);
    html += fmt::format("<li><a href=\"{}\">{}</a></li>\n", escape_html(link.empty() ? file.string() : link),
                        escape_html(file.filename().string()));
  }
  return html + "</ul>\n";
}

std::string figure_html(const DrawnFigure& figure, const Settings& settings) {
  const bool svg = settings.draws("svg");
  const bool png = settings.draws("png");
  const std::string image = figure.stem + (svg ? ".svg" : ".png");
  std::string links;
  if (png) links += fmt::format("<a href=\"{}.png\">PNG</a> · ", escape_html(figure.stem));
  if (svg) links += fmt::format("<a href=\"{}.svg\">SVG</a> · ", escape_html(figure.stem));
  links +=
      fmt::format("<a href=\"{0}.gp\">gnuplot script</a> · <a href=\"{0}.dat\">data</a>", escape_html(figure.stem));
  return fmt::format(
      "<figure id=\"figure-{0}\">\n<h3>{1}</h3>\n<a href=\"{2}\"><img src=\"{3}\" alt=\"{1}\"></a>\n"
      "<figcaption>{4}. {5}</figcaption>\n</figure>\n",
      escape_html(figure.stem), escape_html(figure.title), escape_html(png ? figure.stem + ".png" : image),
      escape_html(image), escape_html(figure.caption), links);
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string result;
  result.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      case '\'':
        result += "&#39;";
        break;
      default:
        result += c;
    }
  }
  return result;
}

std::string index_page(const ReportInputs& inputs, const Settings& settings, const std::vector<DrawnFigure>& drawn,
                       const std::vector<SkippedFigure>& skipped) {
  std::string title = settings.title;
  std::string description;
  if (inputs.experiment != nullptr) {
    if (title.empty()) title = inputs.experiment->name;
    const auto& config = inputs.experiment->config;
    if (config.is_object() && config.contains("description") && config["description"].is_string()) {
      description = config["description"].get<std::string>();
    }
  }
  if (title.empty()) title = inputs.analysis_dir.parent_path().filename().string();
  if (title.empty()) title = "thermo report";

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += fmt::format("<title>{} — thermo report</title>\n<style>{}</style>\n</head>\n<body>\n", escape_html(title),
                      kStyle);
  html += fmt::format("<h1>{}</h1>\n", escape_html(title));
  if (!description.empty()) html += fmt::format("<p class=\"description\">{}</p>\n", escape_html(description));
  html += fmt::format("<p class=\"meta\">thermo {} · gnuplot report · {} figures</p>\n", THERMO_VERSION, drawn.size());

  html += "<h2 id=\"key-numbers\">Key numbers</h2>\n" + key_numbers(inputs, settings);

  html += "<h2 id=\"figures\">Figures</h2>\n";
  if (drawn.empty()) html += "<p>No figure could be drawn from what the experiment holds.</p>\n";
  for (const auto& figure : drawn) html += figure_html(figure, settings);
  if (!skipped.empty()) {
    html += "<details>\n<summary>Figures not drawn</summary>\n<ul>\n";
    for (const auto& figure : skipped) {
      html += fmt::format("<li><code>{}</code>: {}</li>\n", escape_html(figure.stem), escape_html(figure.reason));
    }
    html += "</ul>\n</details>\n";
  }

  html += "<h2 id=\"analysis-files\">Analysis files</h2>\n" + analysis_links(inputs);
  html += "<h2 id=\"runs\">Runs</h2>\n" + run_table(inputs, settings);
  html += fmt::format("<script>{}</script>\n</body>\n</html>\n", kScript);
  return html;
}

}  // namespace thermo::gnuplot_report
