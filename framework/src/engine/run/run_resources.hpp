#pragma once
// Everything a run computes with, built from a pipeline through the plugin registry: backend,
// data set (made resident), model (initialised and put on the sphere by the optimizer),
// optimizer and estimators. Also what analyses get as ModelResources.

#include "config/pipeline.hpp"
#include "registry/plugin_registry.hpp"

#include <thermo/analysis.hpp>
#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/estimator.hpp>
#include <thermo/model.hpp>
#include <thermo/optimizer.hpp>

#include <memory>
#include <string>
#include <vector>

namespace thermo::engine {

struct NamedEstimator {
  std::string key_path;  // "estimators.0"
  std::string plugin;
  std::unique_ptr<Estimator> estimator;
  std::vector<std::string> columns;
};

class RunResources final : public ModelResources {
 public:
  struct Options {
    std::int64_t threads = 0;          // overrides the pipeline's `threads` when > 0
    std::string backend;               // overrides the pipeline's `backend` when non-empty
    bool with_estimators = true;
  };

  // Throws UserError when a plugin refuses its set-up (missing data, unavailable backend...).
  static std::unique_ptr<RunResources> build(const Pipeline& pipeline, PluginRegistry& registry, const Options& options);

  Backend& backend() override { return *backend_; }
  ResidentData* data() override { return data_.get(); }
  Model& model() override { return *model_; }
  [[nodiscard]] double radius() const override { return radius_; }

  [[nodiscard]] bool has_optimizer() const { return optimizer_ != nullptr; }
  Optimizer& optimizer() { return *optimizer_; }
  std::vector<NamedEstimator>& estimators() { return estimators_; }
  [[nodiscard]] const DatasetInfo& data_info() const { return data_info_; }
  [[nodiscard]] const TrainSettings& train_settings() const { return train_settings_; }

 private:
  std::unique_ptr<Backend> backend_;
  std::shared_ptr<Dataset> dataset_;
  std::unique_ptr<ResidentData> data_;
  DatasetInfo data_info_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<NamedEstimator> estimators_;
  TrainSettings train_settings_;
  double radius_ = 1.0;
};

// Mixes the pipeline's seed and the run's training seed into the seed of estimator streams.
[[nodiscard]] std::uint64_t estimator_seed(const Pipeline& pipeline);

}  // namespace thermo::engine
