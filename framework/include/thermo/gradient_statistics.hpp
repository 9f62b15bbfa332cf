#pragma once
// Gradient noise statistics of docs/method.md §5 (SNR and friends) from the full gradient g and M stochastic
// gradients g_i, accumulated in float64 one g_i at a time from norms, so that no g_i needs to stay
// on the host: callers compute ‖g_i‖² and ‖g_i − g‖² with the backend and add them here.

#include <cstdint>
#include <span>
#include <vector>

namespace thermo {

struct GradientNoiseStatistics {
  std::int64_t samples = 0;                   // M
  double full_grad_norm = 0.0;                // ‖g‖
  double stoch_grad_rms = 0.0;                // sqrt(mean_i ‖g_i − g‖²)
  double snr = 0.0;                           // ‖g‖ / stoch_grad_rms
  double noise_mean_norm = 0.0;               // mean_i ‖g_i − g‖
  double snr_old = 0.0;                       // ‖g‖ / noise_mean_norm
  double stoch_grad_mean_norm = 0.0;          // mean_i ‖g_i‖
  double stoch_grad_mean_norm_squared = 0.0;  // mean_i ‖g_i‖²
};

// The ratios follow IEEE division as the reference's tensors do: x/0 = inf, 0/0 = NaN. With no
// sample added every statistic but full_grad_norm is NaN.
class GradientNoiseAccumulator {
 public:
  explicit GradientNoiseAccumulator(double full_gradient_squared_norm);

  // One stochastic gradient: its squared norm ‖g_i‖² and its squared distance ‖g_i − g‖² to the full
  // gradient. Compute the latter from the difference vector, not as ‖g_i‖² − 2·g_i·g + ‖g‖²: that
  // cancels catastrophically when the noise is small (an overparameterised model near a minimum).
  void add(double sample_squared_norm, double deviation_squared_norm);

  [[nodiscard]] GradientNoiseStatistics result() const;

 private:
  double full_squared_norm_ = 0.0;
  std::int64_t samples_ = 0;
  double sum_deviation_squared_ = 0.0;
  double sum_deviation_norm_ = 0.0;
  double sum_sample_norm_ = 0.0;
  double sum_sample_squared_ = 0.0;
};

// The same statistics from host vectors (each g_i of g's length), for small problems and tests.
[[nodiscard]] GradientNoiseStatistics gradient_noise_statistics(std::span<const double> full_gradient,
                                                                std::span<const std::vector<double>> samples);

}  // namespace thermo
