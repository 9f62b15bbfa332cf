#pragma once
// The synthetic dataset plugin: parameters and factory.

#include "synthetic.hpp"

#include <thermo/plugin.hpp>

namespace thermo::synthetic {

class SyntheticPlugin final : public DatasetPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "synthetic"; }
  [[nodiscard]] std::string version() const override { return "1.0.0"; }
  [[nodiscard]] std::string summary() const override {
    return "random CIFAR-shaped data for tests and benchmarks: samples ~ N(0,1) (float32), uniform labels, "
           "deterministic for a seed";
  }

  [[nodiscard]] ParamSchema schema() const override {
    ParamSchema schema;
    schema.add("train_size", ParamType::integer, "training samples").def(std::int64_t{50000}).min(1);
    schema.add("test_size", ParamType::integer, "test samples (0: no test split)").def(std::int64_t{10000}).min(0);
    schema.add("classes", ParamType::integer, "number of classes; labels are uniform over them")
        .def(std::int64_t{10})
        .min(1)
        .max(65536);
    schema.add("channels", ParamType::integer, "channels per sample").def(std::int64_t{3}).min(1).max(65536);
    schema.add("height", ParamType::integer, "sample height").def(std::int64_t{32}).min(1).max(65536);
    schema.add("width", ParamType::integer, "sample width").def(std::int64_t{32}).min(1).max(65536);
    add_subset_params(schema, "seed of the generated data and of the training subset");
    return schema;
  }

  [[nodiscard]] std::unique_ptr<Dataset> create(const Params& params) const override {
    SyntheticShape shape;
    shape.train_size = params.get_int("train_size");
    shape.test_size = params.get_int("test_size");
    shape.classes = params.get_int("classes");
    shape.channels = params.get_int("channels");
    shape.height = params.get_int("height");
    shape.width = params.get_int("width");
    return make_synthetic(shape, read_subset_params(params));
  }
};

}  // namespace thermo::synthetic
