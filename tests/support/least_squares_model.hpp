#pragma once
// A tiny least-squares model computed on the host, whose per-sample gradients are known in
// closed form: the fixture model of the estimator and analysis plugins' tests.

#include <thermo/analysis.hpp>
#include <thermo/backend.hpp>
#include <thermo/dataset.hpp>
#include <thermo/model.hpp>
#include <thermo/params.hpp>
#include <thermo/plugin.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace thermo::testing {

// Per-sample loss ℓ_j(w) = ½·(a_j·w − b_j)² on the SI part w (D entries); one more, frozen
// parameter (a "head") follows it so that SI slicing is exercised. ∇ℓ_j = a_j·(a_j·w − b_j).
struct LeastSquaresProblem {
  std::vector<std::vector<double>> a;  // n rows of D
  std::vector<double> b;               // n

  [[nodiscard]] std::size_t dimension() const { return a.front().size(); }
  [[nodiscard]] std::vector<double> sample_gradient(std::size_t j, const std::vector<double>& w) const;
  [[nodiscard]] double sample_loss(std::size_t j, const std::vector<double>& w) const;
  // Mean of the sample gradients over all n samples.
  [[nodiscard]] std::vector<double> full_gradient(const std::vector<double>& w) const;
};

// The problem as a data set (f64 samples [a_j, b_j], no labels, empty test split).
std::shared_ptr<const Dataset> make_problem_dataset(const LeastSquaresProblem& problem);

class LeastSquaresModel final : public Model {
 public:
  // Parameters and gradients in backend memory of `dtype`; the SI part starts at `initial`.
  LeastSquaresModel(Backend& backend, LeastSquaresProblem problem, DType dtype, const std::vector<double>& initial);

  [[nodiscard]] const std::vector<ParameterBlock>& layout() const override { return layout_; }
  [[nodiscard]] std::size_t scale_invariant_count() const override { return problem_.dimension(); }
  [[nodiscard]] VectorView parameters() override { return parameters_->view(); }
  [[nodiscard]] VectorView gradients() override { return gradients_->view(); }
  LossValue evaluate_batch(const Batch& batch, Mode mode, bool want_gradient) override;
  void save_state(StateArchive& archive, const std::string& prefix) const override;
  void load_state(const StateArchive& archive, const std::string& prefix) override;

  // The SI weights as the model sees them (after the dtype's rounding).
  [[nodiscard]] std::vector<double> weights() const;

  std::int64_t training_gradient_passes = 0;  // evaluate_batch(training, want_gradient) calls
  std::int64_t other_passes = 0;

 private:
  Backend& backend_;
  LeastSquaresProblem problem_;
  std::vector<ParameterBlock> layout_;
  std::unique_ptr<DeviceBuffer> parameters_;
  std::unique_ptr<DeviceBuffer> gradients_;
};

// Host vectors to and from backend memory of any float dtype.
void upload_values(Backend& backend, const std::vector<double>& src, VectorView dst);
std::vector<double> download_values(Backend& backend, ConstVectorView src);

// A backend, the problem's resident data and a model, as AnalysisContext::build_model returns them.
class LeastSquaresResources final : public ModelResources {
 public:
  LeastSquaresResources(Backend& backend, const LeastSquaresProblem& problem, DType dtype,
                        const std::vector<double>& initial, double radius, bool with_data = true);
  Backend& backend() override { return backend_; }
  ResidentData* data() override { return data_.get(); }
  Model& model() override { return *model_; }
  [[nodiscard]] double radius() const override { return radius_; }

 private:
  Backend& backend_;
  std::unique_ptr<ResidentData> data_;
  std::unique_ptr<LeastSquaresModel> model_;
  double radius_;
};

}  // namespace thermo::testing
