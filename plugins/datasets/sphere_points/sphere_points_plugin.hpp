#pragma once
// The sphere_points dataset plugin: parameters and factory.

#include "sphere_points.hpp"

#include <thermo/error.hpp>
#include <thermo/plugin.hpp>

namespace thermo::sphere_points {

class SpherePointsPlugin final : public DatasetPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "sphere_points"; }
  [[nodiscard]] std::string version() const override { return "1.0.0"; }
  [[nodiscard]] std::string summary() const override {
    return "the toy problem's data: unit vectors in R^3 (float64), preset OP (2 vectors, a zero-loss point) or UP "
           "(3 vectors, none), or custom";
  }

  [[nodiscard]] ParamSchema schema() const override {
    ParamSchema schema;
    schema
        .add("preset", ParamType::choice,
             "op: (sqrt(3)/2, 1/2, 0), (sqrt(3)/2, -1/2, 0); up: (1, 0, 0.2), (-1/2, +-sqrt(3)/2, 0.2) normalised; "
             "custom: `vectors`")
        .def(std::string("op"))
        .one_of({"op", "up", "custom"});
    schema
        .add("vectors", ParamType::real_matrix,
             "the vectors for preset custom, one 3-D row each, normalised to unit length")
        .def(std::monostate{})
        .allow_null();
    return schema;
  }

  [[nodiscard]] std::unique_ptr<Dataset> create(const Params& params) const override {
    const auto& preset = params.get_string("preset");
    const bool has_vectors = !params.is_null("vectors");
    if (preset == "custom") {
      if (!has_vectors) {
        throw UserError(
            "sphere_points: preset custom needs `vectors`, a list of 3-D vectors, e.g. "
            "vectors: [[1, 0, 0], [0, 1, 0]]");
      }
      return make_sphere_points(custom_vectors(params.get_real_matrix("vectors")));
    }
    if (has_vectors) {
      throw UserError("sphere_points: `vectors` is only used with preset: custom, but preset is " + preset +
                      "; remove `vectors` or set preset: custom");
    }
    return make_sphere_points(preset == "op" ? op_vectors() : up_vectors());
  }
};

}  // namespace thermo::sphere_points
