#pragma once
// The op-level backend interface. Models are written once against it (through the layers of
// thermo/layers); each backend (cpu on oneDNN, cuda on cuDNN) implements the handful of heavy ops
// and is free to choose layouts and fuse. Op objects are made once per layer and cache their
// primitives per input shape; the state one forward pass leaves for its backward (pooling
// indices, batch statistics, a fused ReLU's mask) lives in the op object.
//
// Conventions: activations are float32 Tensors; weights and gradients are float32 VectorViews
// into one contiguous parameter buffer (convolution OIHW, linear out×in); vector ops accept f32
// or f64 views (both operands of one dtype unless stated) and accumulate reductions in float64.

#include <thermo/tensor.hpp>

#include <boost/config.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace thermo {

struct Conv2dSpec {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  std::int64_t kernel = 3;
  std::int64_t stride = 1;
  std::int64_t padding = 1;
  // No bias: every convolution of the paper's models is bias-free and scale-invariant.

  [[nodiscard]] Shape4 output_shape(const Shape4& src) const;
  [[nodiscard]] std::int64_t weight_count() const { return out_channels * in_channels * kernel * kernel; }
};

class BOOST_SYMBOL_VISIBLE Conv2dOp {
 public:
  virtual ~Conv2dOp() = default;
  virtual void forward(const Tensor& src, ConstVectorView weight, Tensor& dst) = 0;
  virtual void backward_data(const Tensor& diff_dst, ConstVectorView weight, Tensor& diff_src) = 0;
  // Overwrites diff_weight (OIHW) with the gradient summed over the batch.
  virtual void backward_weights(const Tensor& src, const Tensor& diff_dst, VectorView diff_weight) = 0;
};

// Batch norm without affine parameters (PyTorch BatchNorm2d(affine=False) semantics).
struct BatchNormSpec {
  std::int64_t channels = 0;
  double eps = 1e-5;
  double momentum = 0.1;
  bool fuse_relu = false;  // dst = max(0, normalised); backward applies the ReLU mask first
  // k >= 2: dst is then max-pooled over k×k windows with stride k, no padding (floor), and backward
  // takes the pooled diff (first maximum of each window in scan order, as PyTorch). 0: none.
  std::int64_t fused_max_pool = 0;
};

class BOOST_SYMBOL_VISIBLE BatchNormOp {
 public:
  virtual ~BatchNormOp() = default;
  // Normalises with the batch statistics (biased variance) and updates the float32 running
  // statistics: running = (1 - momentum)·running + momentum·batch, with the unbiased variance.
  // Keeps what backward needs.
  virtual void forward_training(const Tensor& src, Tensor& dst, VectorView running_mean, VectorView running_var) = 0;
  virtual void forward_inference(const Tensor& src, Tensor& dst, ConstVectorView running_mean,
                                 ConstVectorView running_var) = 0;
  // Gradient through the last forward_training (batch statistics depend on the input).
  virtual void backward(const Tensor& diff_dst, Tensor& diff_src) = 0;
};

class BOOST_SYMBOL_VISIBLE ReluOp {
 public:
  virtual ~ReluOp() = default;
  virtual void forward(const Tensor& src, Tensor& dst) = 0;
  // Uses the src of the last forward.
  virtual void backward(const Tensor& diff_dst, Tensor& diff_src) = 0;
};

enum class PoolKind { max, average };

struct PoolSpec {
  PoolKind kind = PoolKind::max;
  std::int64_t kernel = 2;
  std::int64_t stride = 2;
  std::int64_t padding = 0;

  [[nodiscard]] Shape4 output_shape(const Shape4& src) const;
};

class BOOST_SYMBOL_VISIBLE PoolOp {
 public:
  virtual ~PoolOp() = default;
  // training = true keeps what backward needs (max indices).
  virtual void forward(const Tensor& src, Tensor& dst, bool training) = 0;
  virtual void backward(const Tensor& diff_dst, Tensor& diff_src) = 0;
};

// dst(N, out, 1, 1) = src(N, in, 1, 1)·Wᵀ + bias. Inputs with H = W = 1 only (the paper's heads
// follow a global pooling to 1×1).
struct LinearSpec {
  std::int64_t in_features = 0;
  std::int64_t out_features = 0;
  bool bias = true;
};

class BOOST_SYMBOL_VISIBLE LinearOp {
 public:
  virtual ~LinearOp() = default;
  // bias is ignored (may be empty) when the spec has none.
  virtual void forward(const Tensor& src, ConstVectorView weight, ConstVectorView bias, Tensor& dst) = 0;
  virtual void backward_data(const Tensor& diff_dst, ConstVectorView weight, Tensor& diff_src) = 0;
  // Overwrites diff_weight (out×in) and diff_bias (out; ignored when the spec has no bias).
  virtual void backward_weights(const Tensor& src, const Tensor& diff_dst, VectorView diff_weight,
                                VectorView diff_bias) = 0;
};

enum class LossKind { cross_entropy, mse };
[[nodiscard]] const char* to_string(LossKind kind);

struct LossValue {
  double sum = 0.0;          // summed over the batch (not averaged)
  std::int64_t correct = 0;  // samples whose arg-max logit is the label
  std::int64_t count = 0;    // samples
};

// cross_entropy: −log softmax(logits)[label]; mse: Σ_classes (logit − onehot(label))².
class BOOST_SYMBOL_VISIBLE LossOp {
 public:
  virtual ~LossOp() = default;
  // logits (N, classes, 1, 1); labels: N int32 in backend memory.
  virtual LossValue forward(const Tensor& logits, ConstVectorView labels) = 0;
  // diff_logits = scale · d(summed loss)/d(logits) of the last forward; scale = 1/N gives the mean.
  virtual void backward(double scale, Tensor& diff_logits) = 0;
};

// General matrix product on row-major f32 or f64 matrices: C = alpha·op(A)·op(B) + beta·C.
struct GemmSpec {
  bool transpose_a = false;
  bool transpose_b = false;
  std::int64_t m = 0, n = 0, k = 0;
  double alpha = 1.0;
  double beta = 0.0;
};

class BOOST_SYMBOL_VISIBLE Backend {
 public:
  virtual ~Backend() = default;

  [[nodiscard]] virtual std::string name() const = 0;
  // "oneDNN 2.6.3 on Intel Xeon, 2 threads, avx512_core" — what a run records.
  [[nodiscard]] virtual std::string description() const = 0;
  [[nodiscard]] virtual int threads() const = 0;

  // --- memory ---
  [[nodiscard]] virtual std::unique_ptr<DeviceBuffer> allocate(std::size_t count, DType dtype) = 0;
  virtual void upload(const void* src_host, VectorView dst) = 0;          // dst.bytes() bytes
  virtual void download(ConstVectorView src, void* dst_host) = 0;         // src.bytes() bytes
  [[nodiscard]] virtual Tensor create_tensor(const Shape4& shape) = 0;
  virtual void write_tensor(const float* src_nchw, Tensor& dst) = 0;      // from host, plain NCHW
  virtual void read_tensor(const Tensor& src, float* dst_nchw) = 0;       // to host, plain NCHW
  // dst(i) = src(indices[i]) for whole samples of sample_count elements (f32), and the labels
  // alike; the data set lives in backend memory, the indices come from the host.
  virtual void gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
                      std::span<const std::int32_t> indices, Tensor& dst, VectorView dst_labels) = 0;
  // Waits for queued work (no-op on cpu). Used before timing.
  virtual void synchronize() {}

  // --- ops; each object caches its primitives per input shape ---
  [[nodiscard]] virtual std::unique_ptr<Conv2dOp> make_conv2d(const Conv2dSpec& spec) = 0;
  [[nodiscard]] virtual std::unique_ptr<BatchNormOp> make_batch_norm(const BatchNormSpec& spec) = 0;
  [[nodiscard]] virtual std::unique_ptr<ReluOp> make_relu() = 0;
  [[nodiscard]] virtual std::unique_ptr<PoolOp> make_pool(const PoolSpec& spec) = 0;
  [[nodiscard]] virtual std::unique_ptr<LinearOp> make_linear(const LinearSpec& spec) = 0;
  [[nodiscard]] virtual std::unique_ptr<LossOp> make_loss(LossKind kind, std::int64_t classes) = 0;

  // --- tensor element-wise (for residual graphs): dst = a + b; dst += src ---
  virtual void add(const Tensor& a, const Tensor& b, Tensor& dst) = 0;
  virtual void accumulate(const Tensor& src, Tensor& dst) = 0;

  // --- vector ops on f32 or f64 views; reductions accumulate in float64 ---
  virtual void fill(VectorView x, double value) = 0;
  virtual void copy(ConstVectorView src, VectorView dst) = 0;  // converts between f32 and f64
  virtual void axpy(double alpha, ConstVectorView x, VectorView y) = 0;  // y += alpha·x
  virtual void scale(double alpha, VectorView x) = 0;
  [[nodiscard]] virtual double dot(ConstVectorView x, ConstVectorView y) = 0;
  [[nodiscard]] virtual double squared_norm(ConstVectorView x) = 0;
  // C = alpha·op(A)·op(B) + beta·C, row-major, all three of one dtype.
  virtual void gemm(const GemmSpec& spec, ConstVectorView a, ConstVectorView b, VectorView c) = 0;
  // Pairwise squared Euclidean distances of `count` f32 rows of length `dim` (row-major, contiguous
  // in `rows`), accurate to float64 even for rows 1e-6 apart (no float32 cancellation). Writes
  // count×count doubles, row-major, to dst_host.
  virtual void pairwise_squared_distances(ConstVectorView rows, std::int64_t count, std::int64_t dim,
                                          std::span<double> dst_host) = 0;
};

}  // namespace thermo
