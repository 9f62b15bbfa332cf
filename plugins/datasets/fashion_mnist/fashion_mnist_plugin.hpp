#pragma once
// The fashion_mnist dataset plugin: parameters and factory.

#include "fashion_mnist.hpp"

#include <thermo/plugin.hpp>

namespace thermo::fashion_mnist {

class FashionMnistPlugin final : public DatasetPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "fashion_mnist"; }
  [[nodiscard]] std::string version() const override { return "1.0.0"; }
  [[nodiscard]] std::string summary() const override {
    return "Fashion-MNIST (gzip IDX files): 60,000 training and 10,000 test images, 1x28x28 zero-padded to "
           "pad_to x pad_to, 10 classes, normalised with the mean and std of its training images";
  }

  [[nodiscard]] ParamSchema schema() const override {
    ParamSchema schema;
    schema.add("path", ParamType::path, "folder holding the four *-ubyte.gz files").def(std::string(kDefaultFolder));
    schema.add("pad_to", ParamType::integer, "side of the square the 28x28 images are padded to with black (28: none)")
        .def(std::int64_t{32})
        .min(28)
        .max(1024);
    add_subset_params(schema);
    return schema;
  }

  [[nodiscard]] std::unique_ptr<Dataset> create(const Params& params) const override {
    return load_fashion_mnist(params.get_path("path"), params.get_int("pad_to"), read_subset_params(params));
  }
};

}  // namespace thermo::fashion_mnist
