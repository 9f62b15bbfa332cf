#include <thermo/layers/paper_model.hpp>

namespace thermo::layers {

double head_norm(const PaperModelOptions& options) {
  if (options.last_layer_norm) return *options.last_layer_norm;
  return options.loss == LossKind::cross_entropy ? 10.0 : 1.5;
}

ParamSchema paper_model_schema(std::int64_t default_width, const std::string& width_description,
                               const std::string& head_seed_description) {
  ParamSchema schema;
  schema.add("channels", ParamType::integer, width_description).def(default_width).min(1);
  schema
      .add("last_layer_norm", ParamType::real,
           "Frobenius norm of the frozen head weight; null: 10 for cross-entropy, 1.5 for MSE")
      .def(std::monostate{})
      .allow_null()
      .min(0.0, true);
  schema.add("init_seed", ParamType::integer, "seed of the convolution weights (shared by a sweep)")
      .def(std::int64_t{1})
      .min(0);
  schema.add("head_seed", ParamType::integer, head_seed_description).def(std::int64_t{4}).min(0);
  return schema;
}

PaperModelOptions paper_model_options(const Params& params, const ModelContext& context) {
  PaperModelOptions options;
  options.width = params.get_int("channels");
  if (!params.is_null("last_layer_norm")) options.last_layer_norm = params.get_real("last_layer_norm");
  options.init_seed = static_cast<std::uint64_t>(params.get_int("init_seed"));
  options.head_seed = static_cast<std::uint64_t>(params.get_int("head_seed"));
  options.loss = context.loss.value_or(LossKind::cross_entropy);
  return options;
}

}  // namespace thermo::layers
