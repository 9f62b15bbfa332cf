// The estimator `weight_norm`: at each log iteration, the Euclidean norm of the model's
// scale-invariant weights (column si_weight_norm). Under sphere SGD it stays at the sphere's
// radius; under plain SGD with weight decay it settles where decay balances gradient noise.
#include <thermo/log.hpp>
#include <thermo/plugin.hpp>

#include <cmath>

namespace {

class WeightNormEstimator final : public thermo::Estimator {
 public:
  WeightNormEstimator(thermo::Backend& backend, thermo::Model& model, bool log_each)
      : backend_(backend), model_(model), log_each_(log_each) {}

  std::vector<std::string> columns() const override { return {"si_weight_norm"}; }

  void measure(const thermo::LogContext& context, std::span<double> values) override {
    // The SI weights are the first scale_invariant_count() entries of the parameter buffer; the
    // backend reduces in float64 wherever the buffer lives (host or device).
    const thermo::ConstVectorView si_weights = model_.parameters().slice(0, model_.scale_invariant_count());
    values[0] = std::sqrt(backend_.squared_norm(si_weights));
    if (log_each_) thermo::logger().info("weight_norm: iteration {}: |w_si| = {:.6g}", context.iteration, values[0]);
  }

 private:
  thermo::Backend& backend_;
  thermo::Model& model_;
  bool log_each_;
};

class WeightNormPlugin final : public thermo::EstimatorPlugin {
 public:
  std::string name() const override { return "weight_norm"; }
  std::string version() const override { return "1.0.0"; }
  std::string summary() const override {
    return "Norm of the scale-invariant weights at each log iteration (column si_weight_norm).";
  }
  thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("log_each", thermo::ParamType::boolean, "Also write each value to the run's log.").def(false);
    return schema;
  }
  std::unique_ptr<thermo::Estimator> create(const thermo::Params& params,
                                            const thermo::EstimatorContext& context) const override {
    if (context.model.scale_invariant_count() == 0) {
      thermo::logger().warn("weight_norm: the model has no scale-invariant weights; si_weight_norm will be 0");
    }
    return std::make_unique<WeightNormEstimator>(context.backend, context.model, params.get_bool("log_each"));
  }
};

}  // namespace

THERMO_PLUGIN(WeightNormPlugin)
