#pragma once
// The op-level backend interface. Models are written once against it (through the layers of
// thermo/layers); each backend (cpu on oneDNN, cuda on cuDNN) implements the handful of heavy ops
// and is free to choose layouts. Op objects are made once per layer and cache their primitives
// (plans, workspaces) per input shape; the state one forward pass leaves for its backward (pooling
// indices, batch statistics, a fused ReLU's mask) lives in the op object.
//
// The contract every backend keeps (the conformance suite in tests/backends checks it):
// - Memory. Activations are float32 Tensors; weights and gradients are float32 VectorViews into
//   one contiguous parameter buffer (convolution OIHW, linear out×in); labels are int32. All of
//   these live in backend memory. float64 vectors (host-computed models such as the toy problem,
//   the trainer's full gradient of such a model) live in host memory and are handled by the SDK
//   itself in the public functions below: a backend never sees an f64 view.
// - Batch sizes. A tensor written at another batch size than it was made with reuses its memory
//   when it is large enough (and grows otherwise), so a model holds the activations of its largest
//   batch once; other handles to the same storage see the new shape.
// - Accuracy. Reductions (dot, squared_norm, the loss sums, batch-norm statistics) accumulate in
//   float64, or by a method as accurate: batch-norm mean and variance must be accurate to float64
//   for channels whose mean is large against their spread (PyTorch's semantics). Convolutions and
//   linear layers compute in float32 (no TF32 or lower-precision tensor-core arithmetic by
//   default). Pairwise distances are accurate to float64 (see pairwise_squared_distances).
// - Determinism. By default every op gives bitwise the same result for the same inputs, run after
//   run, on one machine: deterministic algorithms (convolution backward passes, pooling backward)
//   and a fixed order of every reduction, whatever the thread count. A backend may offer a setting
//   that relaxes this for speed (cuda's `deterministic: false`); it must say so in its schema.
// - Asynchrony. A backend may queue work (cuda); whatever returns a value to the host (download,
//   read_tensor, dot, squared_norm, LossOp::forward, pairwise_squared_distances) waits for the
//   work queued before it. A backend and its ops are used by one thread at a time.

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
  // Fusions, asked for only where Backend::supports(spec) says yes:
  bool fuse_relu = false;  // dst = max(0, normalised) (NaN stays NaN); backward applies the mask first
  // k >= 2: dst is then max-pooled over k×k windows with stride k, no padding (floor), and backward
  // takes the pooled diff (first maximum of each window in scan order, as PyTorch). 0: none.
  std::int64_t fused_max_pool = 0;
};

class BOOST_SYMBOL_VISIBLE BatchNormOp {
 public:
  virtual ~BatchNormOp() = default;
  // Normalises with the batch statistics (biased variance; mean and variance accurate to float64)
  // and updates the float32 running statistics: running = (1 - momentum)·running +
  // momentum·batch, with the unbiased variance. Keeps what backward needs.
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

class BOOST_SYMBOL_VISIBLE Backend {
 public:
  virtual ~Backend() = default;

  [[nodiscard]] virtual std::string name() const = 0;
  // "oneDNN 2.6.3 on Intel Xeon, 2 threads, avx512_core" — what a run records.
  [[nodiscard]] virtual std::string description() const = 0;
  // Host threads the backend computes with; 0 for a backend that computes on a device.
  [[nodiscard]] virtual int threads() const { return 0; }

  // --- capabilities (ggml's supports_op): the layer graph fuses only what the backend supports ---
  // Whether make_batch_norm(spec) accepts this spec. A plain batch norm is always supported; the
  // fusions (fuse_relu, fused_max_pool) are the backend's choice, and the graph runs the unfused
  // layers when the answer is no.
  [[nodiscard]] virtual bool supports(const BatchNormSpec& spec) const = 0;

  // --- memory; f32 and i32 live in backend memory, f64 in host memory (see the top) ---
  [[nodiscard]] std::unique_ptr<DeviceBuffer> allocate(std::size_t count, DType dtype);  // zero-filled
  void upload(const void* src_host, VectorView dst);                                     // dst.bytes() bytes
  void download(ConstVectorView src, void* dst_host);                                    // src.bytes() bytes
  [[nodiscard]] virtual Tensor create_tensor(const Shape4& shape) = 0;
  virtual void write_tensor(const float* src_nchw, Tensor& dst) = 0;  // from host, plain NCHW
  virtual void read_tensor(const Tensor& src, float* dst_nchw) = 0;   // to host, plain NCHW
  // dst(i) = src(indices[i]) for whole samples of sample_count elements (f32), and the labels
  // alike; the data set lives in backend memory, the indices come from the host (an index outside
  // the samples throws std::out_of_range before anything is written: check_gather).
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

  // --- vector ops; every operand of one dtype (f32, or f64 on the host), except copy, which
  // converts between f32 and f64; reductions accumulate in float64 ---
  void fill(VectorView x, double value);                     // also i32
  void copy(ConstVectorView src, VectorView dst);            // same dtype (also i32), or f32 <-> f64
  void axpy(double alpha, ConstVectorView x, VectorView y);  // y += alpha·x
  void scale(double alpha, VectorView x);
  [[nodiscard]] double dot(ConstVectorView x, ConstVectorView y);
  [[nodiscard]] double squared_norm(ConstVectorView x);
  // The projection on the sphere of radius `norm`: x <- norm·x/‖x‖ (‖x‖ accumulated in float64).
  // x is left as it is when ‖x‖ is 0 or not finite, so that a diverged run shows.
  void scale_to_norm(double norm, VectorView x);

  // Pairwise squared Euclidean distances of `count` f32 rows of length `dim` (row-major, contiguous
  // in `rows`), accurate to float64 even for rows 1e-6 apart (no float32 cancellation). Writes
  // count×count doubles, row-major, to dst_host.
  virtual void pairwise_squared_distances(ConstVectorView rows, std::int64_t count, std::int64_t dim,
                                          std::span<double> dst_host) = 0;

 protected:
  // What every gather checks before it writes: f32 samples, i32 labels, dst made with the batch
  // shape, room for the labels (std::invalid_argument), every index inside the samples
  // (std::out_of_range). Returns how many samples there are.
  std::int64_t check_gather(ConstVectorView samples, std::int64_t sample_count, ConstVectorView labels,
                            std::span<const std::int32_t> indices, const Tensor& dst, VectorView dst_labels) const;

  // What a backend implements for the memory and vector functions above: f32 and i32 views in its
  // own memory only (the SDK handles f64 and the f64 <-> f32 conversions of copy). Same meaning
  // as the public function of the same name without `do_`.
  [[nodiscard]] virtual std::unique_ptr<DeviceBuffer> do_allocate(std::size_t count, DType dtype) = 0;
  virtual void do_upload(const void* src_host, VectorView dst) = 0;
  virtual void do_download(ConstVectorView src, void* dst_host) = 0;
  virtual void do_fill(VectorView x, double value) = 0;
  virtual void do_copy(ConstVectorView src, VectorView dst) = 0;
  virtual void do_axpy(double alpha, ConstVectorView x, VectorView y) = 0;
  virtual void do_scale(double alpha, VectorView x) = 0;
  [[nodiscard]] virtual double do_dot(ConstVectorView x, ConstVectorView y) = 0;
  // The default reads the norm on the host (do_dot, then do_scale); a device backend overrides it
  // so that the projection makes no host round trip.
  virtual void do_scale_to_norm(double norm, VectorView x);
};

}  // namespace thermo
