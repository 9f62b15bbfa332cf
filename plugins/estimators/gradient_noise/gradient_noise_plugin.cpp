#include "gradient_noise_estimator.hpp"

#include <thermo/error.hpp>
#include <thermo/knn_entropy.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace {

class GradientNoisePlugin final : public thermo::EstimatorPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "gradient_noise"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "SNR, noise and norms of M fresh stochastic gradients against the full gradient, and the stochastic "
           "entropy of the points lr·g_i (docs/method.md §5-6)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("samples", thermo::ParamType::integer, "M: stochastic gradients drawn at each log point")
        .def(std::int64_t{1000})
        .min(1);
    schema
        .add("batch_size", thermo::ParamType::integer, "batch size of each stochastic gradient; null: the training one")
        .def(std::monostate{})
        .allow_null()
        .min(1);
    schema
        .add("ks", thermo::ParamType::integer_list,
             "neighbour counts of the stochastic entropy (columns stoch_entropy_k<k>); [] for none")
        .def(thermo::default_entropy_ks())
        .min(1)
        .size_between(0, 64);
    schema
        .add("exhaustive", thermo::ParamType::boolean,
             "use every training sample as its own batch of one instead of M random batches (the toy problem); "
             "adds sample_grad_norm_<i> columns for up to 16 samples")
        .def(false);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Estimator> create(const thermo::Params& params,
                                                          const thermo::EstimatorContext& context) const override {
    thermo::gradient_noise::Settings settings;
    settings.samples = params.get_int("samples");
    if (!params.is_null("batch_size")) settings.batch_size = params.get_int("batch_size");
    settings.ks = params.get_int_list("ks");
    settings.exhaustive = params.get_bool("exhaustive");
    auto sorted = settings.ks;
    std::sort(sorted.begin(), sorted.end());
    if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
      throw thermo::UserError(fmt::format("gradient_noise: `ks` lists k = {} twice; each k is one column", *twice));
    }
    return std::make_unique<thermo::gradient_noise::GradientNoiseEstimator>(context, std::move(settings));
  }
};

}  // namespace

THERMO_PLUGIN(GradientNoisePlugin)
