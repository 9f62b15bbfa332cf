// The report's building blocks: number and colour formatting for gnuplot, data blocks, the spread
// of learning rates, the log-iteration smoothing, HTML escaping and the parameters.
#include "figure.hpp"
#include "figures.hpp"
#include "index_page.hpp"
#include "report_inputs.hpp"
#include "report_settings.hpp"
#include "report_test_fixture.hpp"

#include <thermo/error.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace thermo::gnuplot_report;

TEST_CASE("gnuplot numbers: reals stay reals, round trip") {
  CHECK(number(2.0) == "2.0");  // "2" would be an integer to gnuplot (1/2 == 0)
  CHECK(number(-3.0) == "-3.0");
  CHECK(number(0.25) == "0.25");
  CHECK(number(1e-5) == "1e-05");
  CHECK(std::stod(number(0.1 + 0.2)) == 0.1 + 0.2);
  CHECK(quoted("a \"b\" \\ c") == "\"a \\\"b\\\" \\\\ c\"");
}

TEST_CASE("scientific text for legends") {
  CHECK(scientific(3.9e-3) == "3.9·10^{-3}");
  CHECK(scientific(0.25) == "0.25");
  CHECK(scientific(13.2) == "13");
  CHECK(scientific(1e-5) == "10^{-5}");
  CHECK(scientific(9.97e-4) == "10^{-3}");  // the mantissa rounds up to 10
  CHECK(scientific(-2.5e6) == "-2.5·10^{6}");
  CHECK(rate_label(1.778279e-4) == "1.8e-04");
}

TEST_CASE("rainbow is matplotlib's rainbow map; transparency in gnuplot's ARGB") {
  CHECK(rainbow(0.0) == "#8000ff");  // matplotlib rainbow(0) = (0.5, 0, 1)
  CHECK(rainbow(1.0) == "#ff0000");  // (1, 0, 0)
  CHECK(rainbow(0.5) == "#80ffb4");  // (0.5, 1, cos(π/4) = 0.707)
  CHECK(rainbow(0.0, 0.25) == "#bf8000ff");
  CHECK(category_colour(0) == "#1f77b4");
  CHECK(category_colour(10) == category_colour(0));
}

TEST_CASE("rate scale: log positions, a single rate widened") {
  const auto scale = RateScale::of({1e-3, 1e-2, 1e-1, std::nan(""), -1.0});
  CHECK(scale.low == 1e-3);
  CHECK(scale.high == 1e-1);
  CHECK(scale.position(1e-2) == doctest::Approx(0.5));
  CHECK(scale.position(1e-4) == 0.0);
  const auto single = RateScale::of({0.01});
  CHECK(single.low == doctest::Approx(0.005));
  CHECK(single.high == doctest::Approx(0.02));
  CHECK(scale.palette_commands().find("set cbrange [0.001:0.1]") != std::string::npos);
}

TEST_CASE("data blocks drop rows gnuplot cannot draw and empty blocks") {
  DataFile data;
  CHECK(data.begin_block("first", {"x", "y"}) == 0);
  CHECK(data.add_row({1.0, 2.0}));
  CHECK_FALSE(data.add_row({2.0, std::nan("")}));
  CHECK_FALSE(data.add_row({3.0, -1.0}, {false, true}));  // log y
  CHECK(data.add_row({3.0, -1.0}));                       // linear y
  CHECK(data.end_block());
  CHECK(data.begin_block("empty", {"x", "y"}) == 1);
  CHECK_FALSE(data.add_row({std::numeric_limits<double>::infinity(), 1.0}));
  CHECK_FALSE(data.end_block());
  CHECK(data.begin_block("second", {"x", "y"}) == 1);  // the empty block's index is reused
  CHECK(data.add_row({5.0, 6.0}));
  CHECK(data.end_block());
  CHECK(data.text() == "# index 0: first\n# x y\n1.0 2.0\n3.0 -1.0\n\n\n# index 1: second\n# x y\n5.0 6.0\n");
}

TEST_CASE("spread runs: evenly spaced in log LR, ends included, one per LR") {
  ReportInputs inputs;
  std::vector<thermo::RunRecord> records(12);
  for (int i = 0; i <= 10; ++i) {
    records[static_cast<std::size_t>(i)].label = std::to_string(i);
    inputs.runs.push_back({&records[static_cast<std::size_t>(i)], std::pow(10.0, -i * 0.5), {}});
  }
  records[11].label = "11";
  inputs.runs.push_back({&records[11], 1.0, {}});  // a second run at LR 1
  std::sort(inputs.runs.begin(), inputs.runs.end(),
            [](const RunSeries& a, const RunSeries& b) { return a.learning_rate < b.learning_rate; });
  const auto three = inputs.spread_runs(3);
  REQUIRE(three.size() == 3);
  CHECK(three[0]->learning_rate == doctest::Approx(1e-5));
  CHECK(std::log10(three[1]->learning_rate) == doctest::Approx(-2.5));
  CHECK(three[2]->learning_rate == 1.0);
  CHECK(three[2]->run->label == "0");  // the first of the two runs at LR 1
  CHECK(inputs.spread_runs(6).size() == 6);
  CHECK(inputs.spread_runs(50).size() == 11);  // distinct LRs only
}

TEST_CASE("smoothing in log iteration") {
  Series series;
  for (int i = 0; i <= 40; ++i) {
    series.x.push_back(std::pow(10.0, i * 0.1));
    series.y.push_back(3.0 + 2.0 * i * 0.1);  // linear in log10(x), hence in ln(x)
  }
  const auto smooth = smooth_in_log_x(series, 0.5);
  // A symmetric kernel keeps a straight line in the interior; the ends are pulled inward.
  CHECK(smooth[20] == doctest::Approx(series.y[20]));
  CHECK(smooth[0] > series.y[0]);
  CHECK(smooth[40] < series.y[40]);
  CHECK(smooth_in_log_x(series, 0.0) == series.y);
  // A spike spreads over the points with Gaussian weights in ln(x) (the width is in ln, as the
  // reference smooths: the points are 0.1·ln 10 apart), over the whole series.
  Series spike = series;
  std::fill(spike.y.begin(), spike.y.end(), 0.0);
  spike.y[20] = 1.0;
  const double width = 0.25;
  const auto spread = smooth_in_log_x(spike, width);
  const double step = 0.1 * std::log(10.0);
  const auto weight = [&](int offset) { return std::exp(-0.5 * std::pow(offset * step / width, 2.0)); };
  double normaliser = 0.0;
  for (int offset = -20; offset <= 20; ++offset) normaliser += weight(offset);
  CHECK(spread[20] == doctest::Approx(1.0 / normaliser));
  CHECK(spread[21] == doctest::Approx(weight(1) / normaliser));
  CHECK(spread[24] == doctest::Approx(weight(4) / normaliser));
  CHECK(spread[25] > 0.0);  // the full kernel, no truncation
  // Alternating noise averages out.
  Series noisy = series;
  for (std::size_t i = 0; i < noisy.y.size(); ++i) noisy.y[i] = 1.0 + (i % 2 == 0 ? 0.5 : -0.5);
  CHECK(smooth_in_log_x(noisy, 0.3)[20] == doctest::Approx(1.0).epsilon(0.02));
}

TEST_CASE("series of a metrics table skip what an axis cannot show") {
  thermo::MetricsTable table({"iteration", "value"});
  table.add_row(std::vector<double>{0.0, 1.0});
  table.add_row(std::vector<double>{1.0, std::nan("")});
  table.add_row(std::vector<double>{2.0, -1.0});
  table.add_row(std::vector<double>{3.0, 4.0});
  const auto log_log = series_of(table, "iteration", "value", true, true);
  CHECK(log_log.x == std::vector<double>{3.0});
  const auto linear = series_of(table, "iteration", "value", false, false);
  CHECK(linear.x == std::vector<double>{0.0, 2.0, 3.0});
  CHECK(series_of(table, "iteration", "absent", true, true).x.empty());
}

TEST_CASE("html escaping") {
  CHECK(escape_html("a<b> & \"c\" 'd'") == "a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;");
}

TEST_CASE("parameters: defaults, and a format gnuplot cannot write is a user error") {
  const auto settings = settings_from(thermo::report_test::with_defaults(schema()));
  CHECK(settings.formats == std::vector<std::string>{"svg", "png"});
  CHECK(settings.curves == 12);
  CHECK(settings.entropy_k == 50);
  CHECK(settings.smoothing == 0.1);
  CHECK(settings.grad_norm_smoothing == 0.1);  // null: the smoothing
  const auto own =
      settings_from(thermo::report_test::with_defaults(schema(), {{"smoothing", 0.1}, {"grad_norm_smoothing", 0.2}}));
  CHECK(own.smoothing == 0.1);
  CHECK(own.grad_norm_smoothing == 0.2);
  CHECK(settings_from(thermo::report_test::with_defaults(schema(), {{"smoothing", 0.3}})).grad_norm_smoothing == 0.3);
  CHECK(settings.gnuplot == "gnuplot");
  CHECK(settings.loss_entropy_first_index == 0);
  CHECK(settings_from(thermo::report_test::with_defaults(schema(), {{"loss_entropy_first_index", std::int64_t{3}}}))
            .loss_entropy_first_index == 3);
  CHECK_THROWS_AS((void)settings_from(thermo::report_test::with_defaults(
                      schema(), {{"formats", std::vector<std::string>{"svg", "pdf"}}})),
                  thermo::UserError);
}

TEST_CASE("stationary U and S against LR from a chosen LR on, as a notebook's st_l") {
  // Rows out of order: positions count among the distinct LRs, ascending.
  thermo::MetricsTable stationary({"lr", "train_loss", "entropy_k50"});
  for (const double rate : {1e-2, 1e-4, 1e-1, 1e-3, 3e-3}) {
    const std::vector<double> row = {rate, 1.0 + rate, -100.0 * rate};
    stationary.add_row(row);
  }
  ReportInputs inputs;
  inputs.stationary = stationary;
  Settings settings;
  const auto lines_with = [](const FigurePlan& plan, const std::string& rate) {
    REQUIRE(plan.figure);
    const std::string& text = plan.figure->data.text();
    std::size_t count = 0;
    for (std::size_t at = text.find("\n" + rate + " "); at != std::string::npos;
         at = text.find("\n" + rate + " ", at + 1)) {
      ++count;
    }
    return count;  // one line per block (U and S) where the rate is drawn
  };
  const auto all = loss_entropy_vs_lr(inputs, settings);
  CHECK(lines_with(all, number(1e-4)) == 2);
  CHECK(lines_with(all, number(1e-1)) == 2);

  settings.loss_entropy_first_index = 3;  // the fourth LR, 1e-2, and above
  const auto from_fourth = loss_entropy_vs_lr(inputs, settings);
  CHECK(lines_with(from_fourth, number(1e-4)) == 0);
  CHECK(lines_with(from_fourth, number(1e-3)) == 0);
  CHECK(lines_with(from_fourth, number(3e-3)) == 0);
  CHECK(lines_with(from_fourth, number(1e-2)) == 2);
  CHECK(lines_with(from_fourth, number(1e-1)) == 2);
  CHECK(from_fourth.figure->caption.find("from η = 1.0e-02 on") != std::string::npos);

  settings.loss_entropy_first_index = 5;  // past the five LRs: skipped, saying why
  const auto past = loss_entropy_vs_lr(inputs, settings);
  CHECK_FALSE(past.figure);
  CHECK(past.reason.find("loss_entropy_first_index 5") != std::string::npos);
}
