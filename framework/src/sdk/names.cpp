// Printable names of the SDK's enums and the shape arithmetic of the op specs.
#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

namespace thermo {

const char* to_string(DType type) {
  switch (type) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i32: return "i32";
  }
  return "?";
}

std::string to_string(const Shape4& shape) {
  return fmt::format("{}x{}x{}x{}", shape.n, shape.c, shape.h, shape.w);
}

const char* to_string(LossKind kind) { return kind == LossKind::cross_entropy ? "cross_entropy" : "mse"; }

const char* to_string(Split split) { return split == Split::train ? "train" : "test"; }

const char* to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::backend: return "backend";
    case PluginKind::dataset: return "dataset";
    case PluginKind::model: return "model";
    case PluginKind::optimizer: return "optimizer";
    case PluginKind::estimator: return "estimator";
    case PluginKind::analysis: return "analysis";
    case PluginKind::report: return "report";
  }
  return "?";
}

Shape4 Conv2dSpec::output_shape(const Shape4& src) const {
  return {src.n, out_channels, (src.h + 2 * padding - kernel) / stride + 1, (src.w + 2 * padding - kernel) / stride + 1};
}

Shape4 PoolSpec::output_shape(const Shape4& src) const {
  return {src.n, src.c, (src.h + 2 * padding - kernel) / stride + 1, (src.w + 2 * padding - kernel) / stride + 1};
}

}  // namespace thermo
