// Linear layer on N×C×1×1 inputs with oneDNN's sgemm on plain rows (the tiny head of the
// paper's models; oneDNN's gemm runs on the same OpenMP threads as the other ops, where
// OpenBLAS would wake its own spinning pool). diff_src is written in the layout of the
// forward's src, so that the op before it (a pooling) gets its gradient without a conversion.
#include "cpu_memory.hpp"
#include "cpu_ops.hpp"

namespace thermo::cpu {
namespace {

using dnnl::memory;

class CpuLinear final : public LinearOp {
 public:
  CpuLinear(ContextPtr context, const LinearSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.in_features > 0 && spec.out_features > 0, "linear needs positive feature counts");
  }

  void forward(const Tensor& src, ConstVectorView weight, ConstVectorView bias, Tensor& dst) override {
    context_->use_threads();
    check_src(src.shape(), "forward: src");
    check_parameters(weight, bias);
    const auto batch = src.shape().n;
    const auto& src_storage = storage_of(src);
    const auto* rows = plain_data(src_storage.memory(), src.shape(), src_converter_);
    auto& dst_storage = prepare_dst(dst, dst_shape(batch), plain_desc(dst_shape(batch)), *context_);
    float* out = dst_storage.data();
    sgemm('N', 'T', batch, spec_.out_features, spec_.in_features, rows, spec_.in_features,
          static_cast<const float*>(weight.data), spec_.in_features, out, spec_.out_features);
    if (spec_.bias) {
      const auto* b = static_cast<const float*>(bias.data);
      for (std::int64_t sample = 0; sample < batch; ++sample) {
        for (std::int64_t feature = 0; feature < spec_.out_features; ++feature) {
          out[sample * spec_.out_features + feature] += b[feature];
        }
      }
    }
    last_src_shape_ = src.shape();
    last_src_desc_ = src_storage.desc();
  }

  void backward_data(const Tensor& diff_dst, ConstVectorView weight, Tensor& diff_src) override {
    context_->use_threads();
    const auto batch = diff_dst.shape().n;
    require(diff_dst.shape() == dst_shape(batch), "linear backward_data: diff_dst " + to_string(diff_dst.shape()) +
                                                      " is not N×" + std::to_string(spec_.out_features) + "×1×1");
    check_weight(weight);
    const auto* diff_rows = plain_data(storage_of(diff_dst).memory(), diff_dst.shape(), diff_dst_converter_);
    const Shape4 src_shape{batch, spec_.in_features, 1, 1};
    const auto plain = plain_desc(src_shape);
    const auto target = last_src_shape_ == src_shape ? last_src_desc_ : plain;
    float* out = nullptr;
    if (target == plain) {
      out = prepare_dst(diff_src, src_shape, plain, *context_).data();
    } else {
      if (!plain_scratch_ || plain_scratch_.get_desc() != plain) plain_scratch_ = memory(plain, context_->engine());
      out = static_cast<float*>(plain_scratch_.get_data_handle());
    }
    sgemm('N', 'N', batch, spec_.in_features, spec_.out_features, diff_rows, spec_.out_features,
          static_cast<const float*>(weight.data), spec_.in_features, out, spec_.in_features);
    if (target != plain) {
      auto& diff_src_storage = prepare_dst(diff_src, src_shape, target, *context_);
      diff_src_converter_.reorder(plain_scratch_, diff_src_storage.memory(), *context_);
    }
  }

  void backward_weights(const Tensor& src, const Tensor& diff_dst, VectorView diff_weight,
                        VectorView diff_bias) override {
    context_->use_threads();
    check_src(src.shape(), "backward_weights: src");
    const auto batch = src.shape().n;
    require(diff_dst.shape() == dst_shape(batch), "linear backward_weights: diff_dst " + to_string(diff_dst.shape()) +
                                                      " does not match src " + to_string(src.shape()));
    check_parameters(diff_weight, diff_bias);
    const auto* rows = plain_data(storage_of(src).memory(), src.shape(), src_converter_);
    const auto* diff_rows = plain_data(storage_of(diff_dst).memory(), diff_dst.shape(), diff_dst_converter_);
    sgemm('T', 'N', spec_.out_features, spec_.in_features, batch, diff_rows, spec_.out_features, rows,
          spec_.in_features, static_cast<float*>(diff_weight.data), spec_.in_features);
    if (spec_.bias) {
      auto* db = static_cast<float*>(diff_bias.data);
      for (std::int64_t feature = 0; feature < spec_.out_features; ++feature) {
        double sum = 0.0;
        for (std::int64_t sample = 0; sample < batch; ++sample) {
          sum += static_cast<double>(diff_rows[sample * spec_.out_features + feature]);
        }
        db[feature] = static_cast<float>(sum);
      }
    }
  }

 private:
  // C = op(A)·op(B), row-major.
  static void sgemm(char transpose_a, char transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
                    std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc) {
    const auto status = dnnl::sgemm(transpose_a, transpose_b, m, n, k, 1.0F, a, lda, b, ldb, 0.0F, c, ldc);
    require(status == dnnl::status::success, "linear: oneDNN sgemm failed");
  }
  [[nodiscard]] Shape4 dst_shape(std::int64_t batch) const { return {batch, spec_.out_features, 1, 1}; }

  void check_src(const Shape4& shape, const std::string& what) const {
    require(shape.n > 0 && shape.c == spec_.in_features && shape.h == 1 && shape.w == 1,
            "linear " + what + " " + to_string(shape) + " is not N×" + std::to_string(spec_.in_features) + "×1×1");
  }

  void check_weight(ConstVectorView weight) const {
    require(
        weight.dtype == DType::f32 && weight.size == static_cast<std::size_t>(spec_.in_features * spec_.out_features),
        "linear weight must be f32 with out×in = " + std::to_string(spec_.in_features * spec_.out_features) +
            " elements");
  }

  // The bias is ignored (may be empty) when the spec has none.
  void check_parameters(ConstVectorView weight, ConstVectorView bias) const {
    check_weight(weight);
    if (!spec_.bias) return;
    require(
        bias.data != nullptr && bias.dtype == DType::f32 && bias.size == static_cast<std::size_t>(spec_.out_features),
        "linear bias must be f32 with " + std::to_string(spec_.out_features) + " elements");
  }

  // The rows of a N×C×1×1 tensor as a plain N×C matrix.
  const float* plain_data(const memory& src, const Shape4& shape, LayoutConverter& converter) {
    return static_cast<const float*>(converter.to(src, plain_desc(shape), *context_).get_data_handle());
  }

  ContextPtr context_;
  LinearSpec spec_;
  Shape4 last_src_shape_;
  memory::desc last_src_desc_;
  memory plain_scratch_;
  LayoutConverter src_converter_;
  LayoutConverter diff_dst_converter_;
  LayoutConverter diff_src_converter_;
};

}  // namespace

std::unique_ptr<LinearOp> make_linear(ContextPtr context, const LinearSpec& spec) {
  return std::make_unique<CpuLinear>(std::move(context), spec);
}

}  // namespace thermo::cpu
