// Linear layer on N×C×1×1 inputs with cuBLAS's sgemm (float32, no TF32 unless the `tf32`
// setting allows it). Row-major matrices are cuBLAS's column-major transposes:
// dstᵀ = W·srcᵀ, diff_srcᵀ = Wᵀ·diff_dstᵀ, diff_Wᵀ = srcᵀ·diff_dst.
#include "cuda_memory.hpp"
#include "cuda_ops.hpp"
#include "kernels.hpp"

namespace thermo::cuda {
namespace {

class CudaLinear final : public LinearOp {
 public:
  CudaLinear(ContextPtr context, const LinearSpec& spec) : context_(std::move(context)), spec_(spec) {
    require(spec.in_features > 0 && spec.out_features > 0, "linear needs positive feature counts");
  }

  void forward(const Tensor& src, ConstVectorView weight, ConstVectorView bias, Tensor& dst) override {
    context_->activate();
    const auto batch = check_input(src.shape());
    check_parameters(weight, bias);
    float* out = prepare_dst(dst, {batch, spec_.out_features, 1, 1}, *context_);
    gemm(CUBLAS_OP_T, CUBLAS_OP_N, spec_.out_features, batch, spec_.in_features, static_cast<const float*>(weight.data),
         spec_.in_features, data_of(src), spec_.in_features, out, spec_.out_features);
    if (spec_.bias) {
      kernels::add_bias(out, static_cast<const float*>(bias.data), batch, spec_.out_features, context_->stream());
    }
  }

  void backward_data(const Tensor& diff_dst, ConstVectorView weight, Tensor& diff_src) override {
    context_->activate();
    const auto batch = check_output(diff_dst.shape());
    check_parameters(weight, {});
    float* out = prepare_dst(diff_src, {batch, spec_.in_features, 1, 1}, *context_);
    gemm(CUBLAS_OP_N, CUBLAS_OP_N, spec_.in_features, batch, spec_.out_features, static_cast<const float*>(weight.data),
         spec_.in_features, data_of(diff_dst), spec_.out_features, out, spec_.in_features);
  }

  void backward_weights(const Tensor& src, const Tensor& diff_dst, VectorView diff_weight,
                        VectorView diff_bias) override {
    context_->activate();
    const auto batch = check_input(src.shape());
    require(check_output(diff_dst.shape()) == batch, "linear backward_weights: src and diff_dst batches differ");
    check_parameters(diff_weight, diff_bias);
    gemm(CUBLAS_OP_N, CUBLAS_OP_T, spec_.in_features, spec_.out_features, batch, data_of(src), spec_.in_features,
         data_of(diff_dst), spec_.out_features, static_cast<float*>(diff_weight.data), spec_.in_features);
    if (spec_.bias) {
      kernels::bias_gradient(data_of(diff_dst), static_cast<float*>(diff_bias.data), batch, spec_.out_features,
                             context_->stream());
    }
  }

 private:
  // C (m×n, column-major) = op(A)·op(B).
  void gemm(cublasOperation_t transpose_a, cublasOperation_t transpose_b, std::int64_t m, std::int64_t n,
            std::int64_t k, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
            std::int64_t ldc) const {
    const float one = 1.0F, zero = 0.0F;
    check(cublasSgemm(context_->cublas(), transpose_a, transpose_b, static_cast<int>(m), static_cast<int>(n),
                      static_cast<int>(k), &one, a, static_cast<int>(lda), b, static_cast<int>(ldb), &zero, c,
                      static_cast<int>(ldc)),
          "cublasSgemm");
  }

  [[nodiscard]] std::int64_t check_input(const Shape4& shape) const {
    require(shape.n > 0 && shape.c == spec_.in_features && shape.h == 1 && shape.w == 1,
            "linear expects N×" + std::to_string(spec_.in_features) + "×1×1 input, got " + to_string(shape));
    return shape.n;
  }
  [[nodiscard]] std::int64_t check_output(const Shape4& shape) const {
    require(shape.n > 0 && shape.c == spec_.out_features && shape.h == 1 && shape.w == 1,
            "linear expects N×" + std::to_string(spec_.out_features) + "×1×1 diffs, got " + to_string(shape));
    return shape.n;
  }
  void check_parameters(ConstVectorView weight, ConstVectorView bias) const {
    require(
        weight.dtype == DType::f32 && weight.size == static_cast<std::size_t>(spec_.in_features * spec_.out_features),
        "linear weights must be out×in f32 values");
    require(!spec_.bias || bias.data == nullptr ||
                (bias.dtype == DType::f32 && bias.size == static_cast<std::size_t>(spec_.out_features)),
            "linear bias must be out f32 values");
  }

  ContextPtr context_;
  LinearSpec spec_;
};

}  // namespace

std::unique_ptr<LinearOp> make_linear(ContextPtr context, const LinearSpec& spec) {
  return std::make_unique<CudaLinear>(std::move(context), spec);
}

}  // namespace thermo::cuda
