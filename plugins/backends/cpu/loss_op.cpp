// Cross-entropy and MSE on N×classes×1×1 logits, in float64 on the host (tiny). Forward keeps
// d(loss)/d(logits) per sample for backward.
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"

#include <cmath>
#include <vector>

namespace thermo::cpu {
namespace {

class CpuLoss final : public LossOp {
 public:
  CpuLoss(ContextPtr context, LossKind kind, std::int64_t classes)
      : context_(std::move(context)), kind_(kind), classes_(classes) {
    require(classes > 0, "a loss needs a positive class count");
  }

  LossValue forward(const Tensor& logits, ConstVectorView labels) override {
    context_->use_threads();
    const Shape4& shape = logits.shape();
    require(shape.n > 0 && shape.c == classes_ && shape.h == 1 && shape.w == 1,
            "loss: logits " + to_string(shape) + " are not N×" + std::to_string(classes_) + "×1×1");
    require(labels.dtype == DType::i32 && labels.size >= static_cast<std::size_t>(shape.n),
            "loss: labels must be i32 with at least one label per sample");
    const auto* values = static_cast<const float*>(
        converter_.to(storage_of(logits).memory(), plain_desc(shape), *context_).get_data_handle());
    const auto* label_values = static_cast<const std::int32_t*>(labels.data);
    shape_ = shape;
    gradient_.assign(static_cast<std::size_t>(shape.count()), 0.0);
    LossValue value;
    value.count = shape.n;
    for (std::int64_t sample = 0; sample < shape.n; ++sample) {
      const std::int32_t label = label_values[sample];
      require(label >= 0 && label < classes_,
              "loss: label " + std::to_string(label) + " is outside [0, " + std::to_string(classes_) + ")");
      const float* row = values + sample * classes_;
      double* gradient = gradient_.data() + sample * classes_;
      std::int64_t best = 0;
      for (std::int64_t k = 1; k < classes_; ++k) {
        if (row[k] > row[best]) best = k;
      }
      if (best == label) ++value.correct;
      if (kind_ == LossKind::cross_entropy) {
        const double top = row[best];
        double sum = 0.0;
        for (std::int64_t k = 0; k < classes_; ++k) {
          gradient[k] = std::exp(static_cast<double>(row[k]) - top);
          sum += gradient[k];
        }
        value.sum += top + std::log(sum) - static_cast<double>(row[label]);
        for (std::int64_t k = 0; k < classes_; ++k) gradient[k] /= sum;
        gradient[label] -= 1.0;
      } else {
        for (std::int64_t k = 0; k < classes_; ++k) {
          const double difference = static_cast<double>(row[k]) - (k == label ? 1.0 : 0.0);
          value.sum += difference * difference;
          gradient[k] = 2.0 * difference;
        }
      }
    }
    return value;
  }

  void backward(double scale, Tensor& diff_logits) override {
    context_->use_threads();
    require(!gradient_.empty(), "loss backward needs a forward first");
    float* out = prepare_dst(diff_logits, shape_, plain_desc(shape_), *context_).data();
    for (std::size_t index = 0; index < gradient_.size(); ++index)
      out[index] = static_cast<float>(scale * gradient_[index]);
  }

 private:
  ContextPtr context_;
  LossKind kind_;
  std::int64_t classes_;
  Shape4 shape_;
  std::vector<double> gradient_;  // d(loss of each sample)/d(logits), N×classes
  LayoutConverter converter_;
};

}  // namespace

std::unique_ptr<LossOp> make_loss(ContextPtr context, LossKind kind, std::int64_t classes) {
  return std::make_unique<CpuLoss>(std::move(context), kind, classes);
}

}  // namespace thermo::cpu
