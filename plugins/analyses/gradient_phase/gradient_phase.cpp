#include "gradient_phase.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/experiment.hpp>
#include <thermo/log.hpp>
#include <thermo/series_statistics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace thermo::gradient_phase {

namespace support = analysis_support;

ParamSchema schema() {
  ParamSchema schema;
  schema.add("min_iteration", ParamType::integer, "only log points with at least this iteration are fitted")
      .def(std::int64_t{200000})
      .min(0);
  schema
      .add("max_iteration", ParamType::integer,
           "only log points with at most this iteration are fitted (reference, ResNet-18: 400000); null: no bound")
      .def(std::monostate{})
      .allow_null()
      .min(0);
  schema
      .add("lr", ParamType::real,
           "the learning rate of the run of each group; null: each group's `lr_rank`-th smallest LR")
      .def(std::monostate{})
      .allow_null()
      .min(0.0, true);
  schema
      .add("lr_rank", ParamType::integer,
           "with lr null: which of each group's distinct LRs, counted from the smallest (0: the smallest, as for the "
           "ConvNet; 1: the second-smallest, as for ResNet-18)")
      .def(std::int64_t{0})
      .min(0);
  schema.add("group_key", ParamType::string, "the configuration key whose value groups the runs")
      .def(std::string("dataset.samples_per_label"));
  schema
      .add("sweeps", ParamType::string_list,
           "other sweep directories whose runs join this experiment's before grouping (relative paths are "
           "resolved against this experiment's directory, so a sibling sweep is ../name)")
      .def(std::vector<std::string>{});
  support::add_lr_key_param(schema);
  return schema;
}

GradientPhaseAnalysis::GradientPhaseAnalysis(const Params& params)
    : min_iteration_(params.get_int("min_iteration")),
      rank_(params.get_int("lr_rank")),
      group_key_(params.get_string("group_key")),
      sweeps_(params.get_string_list("sweeps")),
      lr_key_(support::lr_key_from(params)) {
  if (!params.is_null("lr")) rate_ = params.get_real("lr");
  if (!params.is_null("max_iteration")) max_iteration_ = params.get_int("max_iteration");
}

namespace {
struct Group {
  std::string name;
  nlohmann::json value;
  std::vector<support::RateRun> runs;
};

std::string group_name(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}
}  // namespace

void GradientPhaseAnalysis::run(const AnalysisContext& context) {
  const Experiment& experiment = support::require_experiment(context, "gradient_phase");
  std::vector<std::unique_ptr<Experiment>> others;
  for (const auto& sweep : sweeps_) {
    std::filesystem::path dir(sweep);
    if (dir.is_relative()) dir = experiment.dir / dir;
    others.push_back(std::make_unique<Experiment>(Experiment::open(dir)));
  }
  std::vector<const Experiment*> experiments = {&experiment};
  for (const auto& other : others) experiments.push_back(other.get());

  std::vector<Group> groups;
  nlohmann::json skipped = nlohmann::json::array();
  for (const Experiment* source : experiments) {
    auto choice = support::completed_runs_by_rate(*source, lr_key_, "gradient_phase");
    for (auto& entry : choice.skipped) {
      entry["sweep"] = source->dir.string();
      skipped.push_back(entry);
    }
    for (const auto& run : choice.runs) {
      const auto value = source->value_of(*run.run, group_key_);
      const std::string name = group_name(value);
      auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.name == name; });
      if (group == groups.end()) {
        groups.push_back({name, value, {}});
        group = groups.end() - 1;
      }
      group->runs.push_back(run);
    }
  }
  if (groups.empty()) {
    throw UserError(SourceLocation{experiment.dir.string()}, "", "gradient_phase: no completed run");
  }
  const bool numeric = std::all_of(groups.begin(), groups.end(), [](const Group& g) { return g.value.is_number(); });
  std::stable_sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
    return numeric ? a.value.get<double>() < b.value.get<double>() : a.name < b.name;
  });

  MetricsTable output({"group", "iteration", "full_grad_norm", "stoch_grad_mean_norm"});
  nlohmann::json fits = nlohmann::json::object();
  nlohmann::json skipped_groups = nlohmann::json::array();
  for (std::size_t index = 0; index < groups.size(); ++index) {
    auto& group = groups[index];
    std::stable_sort(group.runs.begin(), group.runs.end(), [](const support::RateRun& a, const support::RateRun& b) {
      return a.learning_rate < b.learning_rate;
    });
    std::vector<support::RateRun> matches;
    if (rate_) {
      matches = support::runs_at_rate(group.runs, *rate_);
    } else {
      std::vector<support::RateRun> distinct;  // the first run of each distinct LR, ascending
      for (const auto& run : group.runs) {
        if (distinct.empty() || !support::same_rate(distinct.back().learning_rate, run.learning_rate)) {
          distinct.push_back(run);
        }
      }
      if (static_cast<std::size_t>(rank_) < distinct.size()) matches.push_back(distinct[rank_]);
    }
    if (matches.empty()) {
      const std::string wanted =
          rate_ ? fmt::format("lr {}", format_number(*rate_)) : fmt::format("an LR of rank {} (counted from 0)", rank_);
      logger().warn("gradient_phase: group {} has no completed run at {} (it has {}); skipped", group.name, wanted,
                    support::rate_list(group.runs));
      skipped_groups.push_back({{"group", group.name}, {"reason", "no completed run at the chosen lr"}});
      continue;
    }
    const auto& chosen = matches.front();
    const MetricsTable metrics = chosen.run->metrics();
    if (metrics.row_count() == 0) {
      throw UserError(SourceLocation{(chosen.run->dir / "metrics.csv").string()}, "",
                      "gradient_phase: the run has no metrics rows");
    }
    const auto iterations = metrics.column("iteration");
    const auto full = metrics.column("full_grad_norm");
    const auto stochastic = metrics.column("stoch_grad_mean_norm");
    std::vector<double> log_full;
    std::vector<double> log_stochastic;
    std::size_t late = 0;
    const double group_column = numeric ? group.value.get<double>() : static_cast<double>(index);
    for (std::size_t row = 0; row < metrics.row_count(); ++row) {
      if (iterations[row] < static_cast<double>(min_iteration_)) continue;
      if (max_iteration_ && iterations[row] > static_cast<double>(*max_iteration_)) continue;
      ++late;
      const bool usable =
          std::isfinite(full[row]) && full[row] > 0.0 && std::isfinite(stochastic[row]) && stochastic[row] > 0.0;
      if (!usable) continue;
      log_full.push_back(std::log(full[row]));
      log_stochastic.push_back(std::log(stochastic[row]));
      output.add_row(std::vector<double>{group_column, iterations[row], full[row], stochastic[row]});
    }
    const LineFit fit = fit_line(log_full, log_stochastic);
    if (fit.points < 2) {
      logger().warn("gradient_phase: group {} has {} usable log points in the fitted iterations; k and b are NaN",
                    group.name, fit.points);
    }
    fits[group.name] = {{"k", fit.slope},
                        {"b", fit.intercept},
                        {"coefficient", std::exp(fit.intercept)},
                        {"points", fit.points},
                        {"late_points", late},
                        {"value", group.value},
                        {"index", index},
                        {"lr", chosen.learning_rate},
                        {"run", chosen.run->label},
                        {"sweep", chosen.experiment->dir.string()}};
  }
  output.write_csv(context.analysis_dir / "gradient_phase.csv");
  support::write_json(context.analysis_dir / "gradient_phase.json",
                      {{"group_key", group_key_},
                       {"group_column", numeric ? "value" : "index"},
                       {"min_iteration", min_iteration_},
                       {"max_iteration", max_iteration_ ? nlohmann::json(*max_iteration_) : nlohmann::json(nullptr)},
                       {"lr", rate_ ? nlohmann::json(*rate_) : nlohmann::json(nullptr)},
                       {"lr_rank", rank_},
                       {"lr_key", support::lr_key_json(lr_key_)},
                       {"fit",
                        "ln(stoch_grad_mean_norm) = k * ln(full_grad_norm) + b, least squares over the log "
                        "points with min_iteration <= iteration <= max_iteration and both norms finite and > 0"},
                       {"groups", fits},
                       {"skipped_groups", skipped_groups},
                       {"skipped", skipped}});
  logger().info("gradient_phase: {} groups by {} -> {}", fits.size(), group_key_,
                (context.analysis_dir / "gradient_phase.csv").string());
}

}  // namespace thermo::gradient_phase
