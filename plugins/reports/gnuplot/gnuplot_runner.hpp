#pragma once
// Runs gnuplot on one script, in the script's folder (so the script's relative file names work
// when a user re-runs it there), and turns a missing program or a gnuplot error into a UserError
// that names the script and quotes what gnuplot printed.

#include <filesystem>
#include <string>

namespace thermo::gnuplot_report {

// Returns what gnuplot printed on stderr (warnings) when it succeeded.
std::string run_gnuplot(const std::string& program, const std::filesystem::path& script);

}  // namespace thermo::gnuplot_report
