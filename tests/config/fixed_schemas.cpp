#include "fixed_schemas.hpp"

#include <thermo/error.hpp>

namespace thermo::testing {

FixedSchemas::FixedSchemas() {
  ParamSchema& cpu = schemas_[{PluginKind::backend, "cpu"}];
  cpu.add("threads", ParamType::integer, "worker threads").def(std::int64_t{0}).min(0);
  ParamSchema& cuda = schemas_[{PluginKind::backend, "cuda"}];
  cuda.add("device", ParamType::integer, "device index").def(std::int64_t{0}).min(0);
  cuda.add("deterministic", ParamType::boolean, "reproducible algorithms").def(true);

  ParamSchema& cifar10 = schemas_[{PluginKind::dataset, "cifar10"}];
  cifar10.add("path", ParamType::path, "folder of the CIFAR-10 binary batches");
  cifar10.add("samples_per_label", ParamType::integer, "training samples per class").def(std::int64_t{5000}).min(1);
  cifar10.add("seed", ParamType::integer, "subset seed").def(std::int64_t{0}).min(0);

  ParamSchema& convnet = schemas_[{PluginKind::model, "convnet"}];
  convnet.add("channels", ParamType::integer, "width c").def(std::int64_t{8}).min(1);
  convnet.add("last_layer_norm", ParamType::real, "norm of the fixed head").def(10.0).min(0, true);
  convnet.add("init_seed", ParamType::integer, "seed of the initial weights").def(std::int64_t{0}).min(0);
  convnet.add("head_seed", ParamType::integer, "seed of the head").def(std::int64_t{1}).min(0);
  schemas_[{PluginKind::model, "sphere_toy"}].add("dim", ParamType::integer, "dimension").def(std::int64_t{3}).min(1);

  ParamSchema& sphere_sgd = schemas_[{PluginKind::optimizer, "sphere_sgd"}];
  sphere_sgd.add("elr", ParamType::real, "effective learning rate").min(0, true);
  sphere_sgd.add("radius", ParamType::real, "sphere radius").def(1.0).min(0, true);
  sphere_sgd.add("geodesic", ParamType::boolean, "step along geodesics").def(false);

  ParamSchema& knn = schemas_[{PluginKind::estimator, "knn_entropy"}];
  knn.add("ks", ParamType::integer_list, "neighbour counts").def(std::vector<std::int64_t>{50}).min(1).min_size = 1;
  knn.add("queue", ParamType::integer, "weight vectors kept").def(std::int64_t{1000}).min(1);

  ParamSchema& projections = schemas_[{PluginKind::estimator, "projections"}];
  projections.add("vectors", ParamType::real_matrix, "explicit directions")
      .def(std::vector<std::vector<double>>{{1.0, 0.0}, {0.0, 1.0}});
  projections.add("weights", ParamType::real_list, "per direction")
      .def(std::vector<double>{0.5, 0.5})
      .size_between(2, 2);
  projections.add("label", ParamType::string, "legend text").def(std::monostate{}).allow_null();
  projections.add("tags", ParamType::string_list, "free tags").def(std::vector<std::string>{});
  projections.add("mode", ParamType::choice, "algorithm").one_of({"fast", "exact"}).def(std::string("exact"));

  schemas_[{PluginKind::analysis, "temperature"}]
      .add("fit", ParamType::choice, "fit of T against the LR")
      .one_of({"linear", "log"})
      .def(std::string("linear"));
  schemas_[{PluginKind::report, "html"}].add("title", ParamType::string, "page title").def(std::string("thermo"));
}

const ParamSchema* FixedSchemas::find_schema(PluginKind kind, const std::string& name) {
  if (kind == PluginKind::analysis && name == "broken") {
    throw UserError("cannot load libthermo-analysis-broken.so: ABI version 7, this thermo has 1");
  }
  const auto found = schemas_.find({kind, name});
  return found == schemas_.end() ? nullptr : &found->second;
}

std::vector<std::string> FixedSchemas::names(PluginKind kind) const {
  std::vector<std::string> result;
  for (const auto& [key, schema] : schemas_) {
    if (key.first == kind) result.push_back(key.second);
  }
  if (kind == PluginKind::analysis) result.push_back("broken");
  return result;
}

}  // namespace thermo::testing
