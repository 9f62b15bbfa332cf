#pragma once
// Analyses turn an experiment's runs into tables (analysis/*.csv, *.json); reports draw them.
// Stages talk through files in the analysis folder, so each can be re-run alone
// (`thermo analyze`, `thermo report`).

#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/experiment.hpp>
#include <thermo/model.hpp>

#include <boost/config.hpp>

#include <filesystem>
#include <functional>
#include <memory>

namespace thermo {

// A backend, the resident data set and a freshly initialised model built from an experiment's
// pipeline (for stages that evaluate the model, like the uniform reference).
class BOOST_SYMBOL_VISIBLE ModelResources {
 public:
  virtual ~ModelResources() = default;
  virtual Backend& backend() = 0;
  virtual ResidentData* data() = 0;  // nullptr without a data set
  virtual Model& model() = 0;
  [[nodiscard]] virtual double radius() const = 0;  // the optimizer's sphere radius p
};

struct AnalysisContext {
  const Experiment* experiment = nullptr;    // nullptr when analysing a table alone
  std::filesystem::path analysis_dir;        // outputs go here; earlier stages' outputs are here
  // Builds the backend, data set and freshly initialised model of one run of the experiment
  // (its pipeline with the run's overrides). Empty when analysing a table alone.
  std::function<std::unique_ptr<ModelResources>(const RunRecord& run)> build_model;
};

class BOOST_SYMBOL_VISIBLE Analysis {
 public:
  virtual ~Analysis() = default;
  virtual void run(const AnalysisContext& context) = 0;
};

struct ReportContext {
  const Experiment* experiment = nullptr;    // nullptr when reporting on a table alone
  std::filesystem::path analysis_dir;
  std::filesystem::path report_dir;
};

class BOOST_SYMBOL_VISIBLE Report {
 public:
  virtual ~Report() = default;
  virtual void render(const ReportContext& context) = 0;
};

}  // namespace thermo
