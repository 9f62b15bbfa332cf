// Opens report/index.html in headless Chromium and reads back, from the dumped DOM, what the
// page's own script recorded after `load`: every image loaded, none failed. Skipped (with a
// message) where Chromium is not installed.
#include "report_checks.hpp"
#include "report_test_fixture.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

std::filesystem::path find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

// The value of body's data-<name> attribute in the dumped DOM, or -1.
int body_data(const std::string& dom, const std::string& name) {
  const auto body = dom.find("<body");
  if (body == std::string::npos) return -1;
  const std::string tag = dom.substr(body, dom.find('>', body) - body);
  std::string attribute = " data-";
  attribute.append(name).append("=\"");
  const auto at = tag.find(attribute);
  if (at == std::string::npos) return -1;
  const auto start = at + attribute.size();
  const auto end = tag.find('"', start);
  const std::string value = tag.substr(start, end - start);
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(value);
}

}  // namespace

TEST_CASE("index.html in headless Chromium: every image loads") {
  const auto chromium = find_chromium();
  if (chromium.empty()) {
    MESSAGE("chromium is not installed; the browser check is skipped");
    return;
  }
  const auto dir = thermo::testing::scratch_dir("report-browser");
  const auto experiment = thermo::report_test::write_network_sweep(dir);
  thermo::report_test::render(&experiment, dir, {{"curves", std::int64_t{3}}});
  const auto page = std::filesystem::absolute(dir / "report" / "index.html");
  const auto profile = thermo::testing::scratch_dir("report-browser-profile");
  const std::string command = fmt::format(
      "'{}' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --user-data-dir='{}' --virtual-time-budget=5000 --dump-dom "
      "'file://{}'",
      chromium.string(), profile.string(), page.string());
  const auto result = thermo::testing::run_command(command);
  INFO("chromium stderr: ", result.err);
  REQUIRE(result.exit_code == 0);
  const int total = body_data(result.out, "images-total");
  CHECK(total == 9);  // the nine figures of a network sweep
  CHECK(body_data(result.out, "images-loaded") == total);
  CHECK(body_data(result.out, "images-failed") == 0);
  std::filesystem::remove_all(profile);
}
