#pragma once
// The dataset plugin both CIFAR libraries export, parameterised by the format.

#include "cifar_format.hpp"

#include <thermo/plugin.hpp>

#include <memory>
#include <string>

namespace thermo::cifar {

class CifarPlugin : public DatasetPlugin {
 public:
  explicit CifarPlugin(CifarFormat format) : format_(std::move(format)) {}

  [[nodiscard]] std::string name() const override { return format_.dataset_name; }
  [[nodiscard]] std::string version() const override { return "1.0.0"; }
  [[nodiscard]] std::string summary() const override {
    return format_.summary + ", normalised per channel (mean 0.4914 0.4822 0.4465, std 0.2023 0.1994 0.2010)";
  }

  [[nodiscard]] ParamSchema schema() const override {
    ParamSchema schema;
    schema.add("path", ParamType::path, "folder holding the " + format_.source.name + " binary files")
        .def("data/" + format_.folder_name);
    add_subset_params(schema);
    return schema;
  }

  [[nodiscard]] std::unique_ptr<Dataset> create(const Params& params) const override {
    return load_cifar(format_, params.get_path("path"), read_subset_params(params));
  }

 private:
  CifarFormat format_;
};

}  // namespace thermo::cifar
