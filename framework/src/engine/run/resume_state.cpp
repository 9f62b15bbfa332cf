#include "run/resume_state.hpp"

#include <thermo/durable_file.hpp>
#include <thermo/error.hpp>
#include <thermo/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace thermo::engine {
namespace {
namespace fs = std::filesystem;
constexpr int kStatesKept = 2;

// state-0000001234.thermo, newest first.
std::vector<fs::path> state_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("state-", 0) == 0 && entry.path().extension() == ".thermo") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a > b; });
  return files;
}

// Temporary files of writes a kill interrupted.
void remove_partial_files(const fs::path& dir) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().filename().string().find(".partial-") != std::string::npos) fs::remove(entry.path(), error);
  }
}
}  // namespace

std::string experiment_identity(const Pipeline& pipeline) {
  // The resolved YAML, not its JSON: a pipeline and the config.yaml written from it render every
  // value the same way (1.0 and 1 alike). Top-level entries start at column 0.
  std::string identity;
  bool skipping = false;
  std::size_t start = 0;
  const std::string& text = pipeline.resolved_yaml;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.front() != ' ' && line.front() != '#') {
      skipping = line.rfind("executor:", 0) == 0 || line.rfind("threads:", 0) == 0 || line.rfind("backend:", 0) == 0;
    }
    if (!skipping) identity.append(line).push_back('\n');
    start = end + 1;
  }
  return identity;
}

ResumeStates::ResumeStates(fs::path run_dir) : dir_(std::move(run_dir) / "state") {}

bool ResumeStates::any() const {
  return !state_files(dir_).empty();
}

void ResumeStates::write(std::int64_t iteration, const RunIdentity& identity,
                         const std::function<void(StateArchive&)>& fill) const {
  fs::create_directories(dir_);
  remove_partial_files(dir_);
  const fs::path file = dir_ / fmt::format("state-{:010}.thermo", iteration);
  {
    DurableFile out(file);
    StateArchive archive(out);
    archive.put_string("meta.experiment", identity.experiment);
    archive.put_string("meta.thermo_version", identity.thermo_version);
    archive.put_string("meta.backend", identity.backend);
    archive.put_i64("meta.threads", identity.threads);
    fill(archive);
    archive.finish();
    out.commit();
  }
  const auto files = state_files(dir_);
  for (std::size_t i = kStatesKept; i < files.size(); ++i) {
    std::error_code error;
    fs::remove(files[i], error);
  }
}

std::optional<ResumeStates::Found> ResumeStates::newest_valid() const {
  for (const auto& file : state_files(dir_)) {
    try {
      return Found{file, StateArchive::load(file)};
    } catch (const UserError& error) {
      logger().warn("skipping a damaged resume state: {}", format_error(error));
    }
  }
  return std::nullopt;
}

void ResumeStates::check_identity(const StateArchive& archive, const fs::path& file, const RunIdentity& identity,
                                  bool force) {
  std::vector<std::string> differences;
  if (archive.get_string("meta.experiment") != identity.experiment) {
    differences.emplace_back("another configuration (the resolved pipeline differs)");
  }
  if (const auto version = archive.get_string("meta.thermo_version"); version != identity.thermo_version) {
    differences.push_back(fmt::format("another thermo version ({}, this is {})", version, identity.thermo_version));
  }
  if (const auto backend = archive.get_string("meta.backend"); backend != identity.backend) {
    differences.push_back(fmt::format("another backend ({}, this run has {})", backend, identity.backend));
  }
  if (!differences.empty()) {
    std::string text;
    for (const auto& difference : differences) text += (text.empty() ? "" : "; ") + difference;
    if (!force) {
      throw UserError(SourceLocation{file.string()}, "",
                      fmt::format("this resume state was written by {}; resuming would mix two experiments. Start "
                                  "over with --force in place of --resume, or add --force to --resume to continue "
                                  "anyway",
                                  text));
    }
    logger().warn("{}: resuming anyway (--force) from a state written by {}", file.string(), text);
  }
  if (const auto threads = archive.get_i64("meta.threads"); threads != identity.threads) {
    logger().warn(
        "{}: written with {} threads, resumed with {}: the run continues correctly, but its numbers may "
        "differ in the last bits from a run that never stopped",
        file.string(), threads, identity.threads);
  }
}

}  // namespace thermo::engine
