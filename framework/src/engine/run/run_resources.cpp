#include "run/run_resources.hpp"

#include "registry/create_backend.hpp"

#include <thermo/error.hpp>
#include <thermo/log.hpp>
#include <thermo/rng.hpp>

namespace thermo::engine {

std::uint64_t estimator_seed(const Pipeline& pipeline) {
  const std::uint64_t train_seed = pipeline.train ? pipeline.train->seed : 0;
  return pipeline.seed * 0x9e3779b97f4a7c15ULL ^ (train_seed + hash_name("estimators"));
}

std::unique_ptr<RunResources> RunResources::build(const Pipeline& pipeline, PluginRegistry& registry,
                                                  const Options& options) {
  auto resources = std::make_unique<RunResources>();
  const std::string backend_name = options.backend.empty() ? pipeline.backend : options.backend;
  const std::int64_t threads = options.threads > 0 ? options.threads : pipeline.threads;
  resources->backend_ = create_backend(registry, backend_name, pipeline.backend_settings, threads);
  logger().info("backend: {}", resources->backend_->description());

  if (pipeline.dataset) {
    const auto& section = *pipeline.dataset;
    const auto& plugin = registry.get_as<DatasetPlugin>(PluginKind::dataset, section.plugin);
    resources->dataset_ = plugin.create(section.params);
    resources->data_info_ = resources->dataset_->info();
    resources->data_ = std::make_unique<ResidentData>(*resources->backend_, resources->dataset_);
    logger().info("data set {}: {} training and {} test samples of {}x{}x{}", resources->data_info_.name,
                  resources->data_->size(Split::train), resources->data_->size(Split::test),
                  resources->data_info_.channels, resources->data_info_.height, resources->data_info_.width);
  } else {
    resources->data_info_.name = "none";  // CIFAR-shaped, for models built without data
  }

  if (!pipeline.model) throw UserError(SourceLocation{pipeline.file.string()}, "model", "the pipeline names no model");
  {
    const auto& section = *pipeline.model;
    const auto& plugin = registry.get_as<ModelPlugin>(PluginKind::model, section.plugin);
    const ModelContext context{*resources->backend_, resources->data_info_, resources->data_.get(), pipeline.loss};
    resources->model_ = plugin.create(section.params, context);
  }

  if (pipeline.optimizer) {
    const auto& section = *pipeline.optimizer;
    const auto& plugin = registry.get_as<OptimizerPlugin>(PluginKind::optimizer, section.plugin);
    resources->optimizer_ = plugin.create(section.params);
    if (section.params.has("radius")) resources->radius_ = section.params.get_real("radius");
    resources->optimizer_->initialize(*resources->backend_, resources->model_->parameters(),
                                      resources->model_->scale_invariant_count());
  }

  if (pipeline.train) {
    resources->train_settings_ = TrainSettings{pipeline.train->iterations, pipeline.train->batch_size,
                                               pipeline.train->sampler, pipeline.train->seed};
  }
  if (options.with_estimators) {
    const std::uint64_t seed = estimator_seed(pipeline);
    for (const auto& section : pipeline.estimators) {
      const auto& plugin = registry.get_as<EstimatorPlugin>(PluginKind::estimator, section.plugin);
      const EstimatorContext context{*resources->backend_, *resources->model_, resources->data_.get(),
                                     resources->train_settings_, seed ^ hash_name(section.key_path)};
      NamedEstimator named;
      named.key_path = section.key_path;
      named.plugin = section.plugin;
      named.estimator = plugin.create(section.params, context);
      named.columns = named.estimator->columns();
      resources->estimators_.push_back(std::move(named));
    }
  }
  return resources;
}

}  // namespace thermo::engine
