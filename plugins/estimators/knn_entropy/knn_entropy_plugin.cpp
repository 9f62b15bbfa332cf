#include "knn_entropy_estimator.hpp"

#include <thermo/error.hpp>
#include <thermo/knn_entropy.hpp>
#include <thermo/plugin.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace {

class KnnEntropyPlugin final : public thermo::EstimatorPlugin {
 public:
  [[nodiscard]] std::string name() const override { return "knn_entropy"; }
  [[nodiscard]] std::string version() const override { return "1.0"; }
  [[nodiscard]] std::string summary() const override {
    return "trajectory entropy: kNN entropy of the last `queue` scale-invariant weight vectors (docs/method.md §6)";
  }
  [[nodiscard]] thermo::ParamSchema schema() const override {
    thermo::ParamSchema schema;
    schema.add("queue", thermo::ParamType::integer, "N: how many consecutive iterates the entropy is computed on")
        .def(std::int64_t{1000})
        .min(2);
    schema.add("ks", thermo::ParamType::integer_list, "neighbour counts k; one column entropy_k<k> each")
        .def(thermo::default_entropy_ks())
        .min(1)
        .size_between(1, 64);
    return schema;
  }
  [[nodiscard]] std::unique_ptr<thermo::Estimator> create(const thermo::Params& params,
                                                          const thermo::EstimatorContext& context) const override {
    thermo::knn_entropy::Settings settings{params.get_int("queue"), params.get_int_list("ks")};
    auto sorted = settings.ks;
    std::sort(sorted.begin(), sorted.end());
    if (const auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end()) {
      throw thermo::UserError(fmt::format("knn_entropy: `ks` lists k = {} twice; each k is one column", *twice));
    }
    return std::make_unique<thermo::knn_entropy::KnnEntropyEstimator>(context.backend, std::move(settings),
                                                                      context.model.scale_invariant_count());
  }
};

}  // namespace

THERMO_PLUGIN(KnnEntropyPlugin)
