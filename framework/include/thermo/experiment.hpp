#pragma once
// Reading what runs wrote: a run's metrics.csv as a table, and an experiment directory (a sweep
// with manifest.json and runs/, or one run directory seen as a sweep of one point). Analyses and
// reports work from these files, so they can be re-run on finished sweeps.

#include <thermo/params.hpp>

#include <boost/config.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace thermo {

// A numeric CSV table: a header row, then rows of numbers (`nan`, `inf` allowed).
class BOOST_SYMBOL_VISIBLE MetricsTable {
 public:
  MetricsTable() = default;
  explicit MetricsTable(std::vector<std::string> columns);

  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  [[nodiscard]] std::size_t row_count() const { return rows_; }
  [[nodiscard]] bool has(const std::string& column) const;
  // Throws UserError naming the column (and the file, when read from one) if it is absent.
  [[nodiscard]] std::span<const double> column(const std::string& name) const;
  void add_row(std::span<const double> values);  // one value per column

  // Throws UserError with file:line on malformed input.
  [[nodiscard]] static MetricsTable read_csv(const std::filesystem::path& file);
  // Writes with full round-trip precision; NaN as `nan`.
  void write_csv(const std::filesystem::path& file) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> data_;  // per column
  std::size_t rows_ = 0;
  std::filesystem::path source_;
};

// A YAML file as JSON (quoted scalars stay strings); UserError with file:line:col when malformed.
[[nodiscard]] nlohmann::json load_yaml_as_json(const std::filesystem::path& file);

// The round-trip text of a double as metrics files write it (`nan`, `inf`, `-inf`).
[[nodiscard]] std::string format_number(double value);

struct RunRecord {
  std::size_t index = 0;
  std::string label;  // "003-elr0.001"
  std::filesystem::path dir;
  nlohmann::json overrides;  // {"optimizer.elr": 0.001}
  std::string status;        // completed | diverged | failed | pending | running
  std::string message;
  nlohmann::json summary;  // summary.json, or null when absent

  [[nodiscard]] bool finished() const { return status == "completed" || status == "diverged"; }
  // metrics.csv of the run (empty table when absent).
  [[nodiscard]] MetricsTable metrics() const;
};

class BOOST_SYMBOL_VISIBLE Experiment {
 public:
  // Opens a sweep directory (manifest.json) or a single run directory (summary.json/config.yaml).
  [[nodiscard]] static Experiment open(const std::filesystem::path& dir);

  std::filesystem::path dir;
  std::string name;
  nlohmann::json config;  // the resolved pipeline, as JSON
  std::vector<RunRecord> runs;
  bool is_sweep = false;
  // The swept keys, in manifest order (e.g. ["optimizer.elr"]).
  std::vector<std::string> swept_keys;

  // The value of a dotted key in a run's resolved configuration (config + its overrides).
  [[nodiscard]] nlohmann::json value_of(const RunRecord& run, const std::string& dotted_key) const;
  // A run's learning rate: with `lr_key` empty, the one the run recorded (summary.json
  // `learning_rate`, the optimizer's lr = elr·radius²; null when absent); otherwise value_of(lr_key).
  [[nodiscard]] nlohmann::json learning_rate_of(const RunRecord& run, const std::string& lr_key) const;
};

// The `lr_key` parameter of the stages that read runs' learning rates, declared once: null (the
// default) reads the rate each run recorded, a dotted configuration key reads that value instead.
void add_lr_key_param(ParamSchema& schema);
// The parameter's value: "" for null, else the key (the `lr_key` of Experiment::learning_rate_of).
[[nodiscard]] std::string lr_key_from(const Params& params);

}  // namespace thermo
