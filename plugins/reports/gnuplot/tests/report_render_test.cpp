// The whole report on synthetic sweeps analysed by the real analysis stages: every figure the data
// allow is drawn (script, data, SVG, PNG), the others are skipped, index.html shows them all and
// links every analysis file, and gnuplot failures are user errors that name the script.
#include "figure.hpp"
#include "report_checks.hpp"
#include "report_test_fixture.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include <sys/stat.h>

namespace {

using thermo::report_test::count_of;
using thermo::report_test::looks_like_svg;
using thermo::report_test::png_size;
using thermo::testing::read_file;

const std::vector<std::string> kNetworkFigures = {
    "loss_vs_iteration", "entropy_vs_iteration",    "loss_entropy_vs_lr", "temperature",   "free_energy",
    "temperature_decay", "grad_norms_vs_iteration", "snr_vs_iteration",   "gradient_phase"};

// Captures what the report logs (debug level and up) while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(thermo::shared_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    thermo::set_logger(logger);
  }
  ~LogCapture() { thermo::set_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  [[nodiscard]] std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

void check_figure(const std::filesystem::path& report, const std::string& stem, std::uint32_t width,
                  std::uint32_t height) {
  CAPTURE(stem);
  CHECK(std::filesystem::exists(report / (stem + ".gp")));
  CHECK(std::filesystem::exists(report / (stem + ".dat")));
  REQUIRE(std::filesystem::exists(report / (stem + ".svg")));
  CHECK(looks_like_svg(report / (stem + ".svg")));
  const auto size = png_size(report / (stem + ".png"));
  REQUIRE(size.has_value());
  CHECK(size->first == width);
  CHECK(size->second == height);
  CHECK(std::filesystem::file_size(report / (stem + ".png")) > 5000);  // not a blank canvas
}

}  // namespace

TEST_CASE("report of a network-like sweep: every figure, index.html, data as drawn") {
  const auto dir = thermo::testing::scratch_dir("report-network");
  const auto experiment = thermo::report_test::write_network_sweep(dir);
  std::string log;
  {
    LogCapture capture;
    thermo::report_test::render(&experiment, dir, {{"curves", std::int64_t{4}}});
    log = capture.text();
  }
  const auto report = dir / "report";
  // gnuplot drew every figure without a warning; the skipped ones are logged with their reason.
  CHECK(log.find("gnuplot report: gnuplot") == std::string::npos);
  CHECK(log.find("[debug] gnuplot report: toy_metrics not drawn: not the toy problem") != std::string::npos);
  CHECK(log.find("[debug] gnuplot report: run 007-elr1 is failed; not drawn") != std::string::npos);

  for (const auto& stem : kNetworkFigures) {
    const bool wide = stem == "free_energy" || stem == "loss_entropy_vs_lr";
    check_figure(report, stem, stem == "free_energy" ? 800 : (wide ? 720 : 640), 480);
  }
  CHECK_FALSE(std::filesystem::exists(report / "toy_metrics.gp"));
  CHECK_FALSE(std::filesystem::exists(report / "toy_stationary.gp"));

  // Four of the six finished LRs (five completed and the diverged one) are drawn: the ends included.
  const std::string loss_data = read_file(report / "loss_vs_iteration.dat");
  CHECK(count_of(loss_data, "# index ") == 4);
  CHECK(loss_data.find("run 000-elr0.001 ") != std::string::npos);
  CHECK(loss_data.find("run 006-elr0.5 ") != std::string::npos);
  CHECK(loss_data.find("inf") == std::string::npos);  // the diverged run's inf rows are left out
  // The curves are coloured by LR on a log colour range over the drawn LRs.
  const std::string loss_script = read_file(report / "loss_vs_iteration.gp");
  CHECK(loss_script.find("set cbrange [0.001:0.5]") != std::string::npos);
  CHECK(loss_script.find("lc palette cb 0.5 ") != std::string::npos);
  CHECK(loss_script.find("title \"uniform\"") != std::string::npos);  // the dashed uniform loss

  // Gradient norms are smoothed as the SNR is (the reference's filter_sigma): raw and smoothed
  // columns of both norms, the raw curves faint.
  const std::string norms_data = read_file(report / "grad_norms_vs_iteration.dat");
  CHECK(norms_data.find("# iteration full_grad_norm full_grad_norm_smoothed\n") != std::string::npos);
  CHECK(norms_data.find("# iteration stoch_grad_mean_norm stoch_grad_mean_norm_smoothed\n") != std::string::npos);
  CHECK(read_file(report / "grad_norms_vs_iteration.gp").find("using 1:3 with lines") != std::string::npos);

  // The temperature fit of temperature.json is the dashed line and its legend.
  const auto temperature = nlohmann::json::parse(read_file(dir / "analysis" / "temperature.json"));
  const double b = temperature["fit"]["b"].get<double>();
  const double k = temperature["fit"]["k"].get<double>();
  const std::string temperature_script = read_file(report / "temperature.gp");
  CHECK(temperature_script.find(thermo::gnuplot_report::number(b) + "*x**(" + thermo::gnuplot_report::number(k) +
                                ")") != std::string::npos);
  CHECK(temperature_script.find(fmt::format("η^{{{:.2f}}}", k)) != std::string::npos);
  // The planted law T = 0.05·η: k near 1.
  CHECK(k == doctest::Approx(1.0).epsilon(0.15));

  // One star per free-energy curve, at the curve's own LR.
  const auto free_energy = nlohmann::json::parse(read_file(dir / "analysis" / "free_energy.json"));
  const std::string free_energy_data = read_file(report / "free_energy.dat");
  const auto stars_at = free_energy_data.find("each curve at its own lr_i");
  REQUIRE(stars_at != std::string::npos);
  const std::string stars =
      free_energy_data.substr(free_energy_data.find('\n', free_energy_data.find('\n', stars_at) + 1) + 1);
  CHECK(count_of(stars, "\n") == free_energy["curve_count"].get<std::size_t>());
  CHECK(read_file(report / "free_energy.gp").find("★") != std::string::npos);

  // The uniform references are dashed lines on both axes of the stationary figure.
  const std::string stationary_script = read_file(report / "loss_entropy_vs_lr.gp");
  CHECK(stationary_script.find("2.9 with lines dt 2") != std::string::npos);
  CHECK(stationary_script.find("3500.0 axes x1y2 with lines dt 2") != std::string::npos);

  // index.html: every figure (SVG shown, PNG linked), every analysis file, every run.
  const std::string page = read_file(report / "index.html");
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  for (const auto& stem : kNetworkFigures) {
    CAPTURE(stem);
    CHECK(page.find("<img src=\"" + stem + ".svg\"") != std::string::npos);
    CHECK(page.find("href=\"" + stem + ".png\"") != std::string::npos);
    CHECK(page.find("href=\"" + stem + ".gp\"") != std::string::npos);
  }
  std::size_t analysis_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "analysis")) {
    CAPTURE(entry.path());
    ++analysis_files;
    CHECK(page.find("href=\"../analysis/" + entry.path().filename().string() + "\"") != std::string::npos);
  }
  CHECK(analysis_files >= 11);  // five stages' csv and json, and uniform.json
  CHECK(page.find("convnet_up_synthetic") != std::string::npos);
  CHECK(page.find("&lt;with markup &amp; quotes &quot;here&quot;&gt;") != std::string::npos);
  CHECK(page.find("<td class=\"status-diverged\">diverged</td>") != std::string::npos);
  CHECK(page.find("out of memory &lt;oops&gt;") != std::string::npos);
  CHECK(page.find("href=\"../runs/000-elr0.001/metrics.csv\"") != std::string::npos);
  CHECK(page.find("8 (6 completed, 1 diverged, 1 failed)") != std::string::npos);
  CHECK(page.find(fmt::format("k = {:.4g}", k)) != std::string::npos);
  CHECK(page.find("toy_metrics</code>: not the toy problem") != std::string::npos);
  CHECK(page.find("<link") == std::string::npos);  // self-contained: no external style sheets or scripts
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("document.body.dataset") != std::string::npos);
}

TEST_CASE("report of a toy sweep: the 2×2 metrics panel and the stationary figure") {
  const auto dir = thermo::testing::scratch_dir("report-toy");
  const auto experiment = thermo::report_test::write_toy_sweep(dir);
  thermo::report_test::render(&experiment, dir,
                              {{"curves", std::int64_t{7}}, {"formats", std::vector<std::string>{"png"}}});
  const auto report = dir / "report";
  const auto size = png_size(report / "toy_metrics.png");
  REQUIRE(size.has_value());
  CHECK(*size == std::make_pair(std::uint32_t{960}, std::uint32_t{720}));
  REQUIRE(png_size(report / "toy_stationary.png").has_value());
  CHECK_FALSE(std::filesystem::exists(report / "toy_metrics.svg"));  // png only
  const std::string script = read_file(report / "toy_metrics.gp");
  CHECK(script.find("set multiplot layout 2,2") != std::string::npos);
  for (const char* label : {"full loss − min loss", "SNR", "full GN", "mean stoch GN"}) {
    CHECK(script.find(label) != std::string::npos);
  }
  // 7 LRs × 4 panels, each a faint raw and a smoothed curve.
  CHECK(count_of(read_file(report / "toy_metrics.dat"), "# index ") == 28);
  CHECK(count_of(script, "using 1:3 ") == 28);
  // The loss figure draws the loss above its minimum; nothing needs entropy or temperatures.
  CHECK(read_file(report / "loss_vs_iteration.dat").find("train_loss_above_min of run") != std::string::npos);
  for (const char* absent :
       {"entropy_vs_iteration", "loss_entropy_vs_lr", "temperature", "free_energy", "gradient_phase"}) {
    CHECK_FALSE(std::filesystem::exists(report / (std::string(absent) + ".png")));
  }
  const std::string page = read_file(report / "index.html");
  CHECK(page.find("<img src=\"toy_metrics.png\"") != std::string::npos);
  CHECK(page.find("<img src=\"toy_stationary.png\"") != std::string::npos);
}

TEST_CASE("report of an analysed table alone: the analysis figures, no runs") {
  const auto dir = thermo::testing::scratch_dir("report-table");
  const auto source = thermo::testing::scratch_dir("report-table-source");
  thermo::report_test::write_network_sweep(source);
  std::filesystem::copy(source / "analysis", dir / "analysis");
  thermo::report_test::render(nullptr, dir, {{"title", std::string("my table")}});
  const auto report = dir / "report";
  for (const char* stem : {"loss_entropy_vs_lr", "temperature", "free_energy", "temperature_decay", "gradient_phase"}) {
    CAPTURE(stem);
    CHECK(looks_like_svg(report / (std::string(stem) + ".svg")));
  }
  CHECK_FALSE(std::filesystem::exists(report / "loss_vs_iteration.svg"));
  const std::string page = read_file(report / "index.html");
  CHECK(page.find("<h1>my table</h1>") != std::string::npos);
  CHECK(page.find("there are no runs") != std::string::npos);
}

TEST_CASE("a missing gnuplot or a gnuplot error is a user error naming the script") {
  const auto dir = thermo::testing::scratch_dir("report-errors");
  const auto experiment = thermo::report_test::write_toy_sweep(dir);
  try {
    thermo::report_test::render(&experiment, dir, {{"gnuplot", std::string("/nonexistent/gnuplot")}});
    FAIL("no error");
  } catch (const thermo::UserError& error) {
    const std::string message = thermo::format_error(error);
    CHECK(message.find("loss_vs_iteration.gp") != std::string::npos);
    CHECK(message.find("/nonexistent/gnuplot") != std::string::npos);
    CHECK(message.find("gnuplot-nox") != std::string::npos);
  }
  // A stand-in gnuplot that fails like gnuplot does: its stderr is in the message.
  const auto fake = dir / "fake-gnuplot";
  thermo::testing::write_file(fake, "#!/bin/sh\necho \"\\\"$1\\\" line 12: undefined variable: oops\" >&2\nexit 1\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  try {
    thermo::report_test::render(&experiment, dir, {{"gnuplot", fake.string()}});
    FAIL("no error");
  } catch (const thermo::UserError& error) {
    const std::string message = thermo::format_error(error);
    CHECK(message.find("loss_vs_iteration.gp") != std::string::npos);
    CHECK(message.find("line 12: undefined variable: oops") != std::string::npos);
    CHECK(message.find("exit code 1") != std::string::npos);
  }
}
