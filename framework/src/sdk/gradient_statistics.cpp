#include <thermo/gradient_statistics.hpp>

#include <cmath>
#include <stdexcept>

namespace thermo {

GradientNoiseAccumulator::GradientNoiseAccumulator(double full_gradient_squared_norm)
    : full_squared_norm_(full_gradient_squared_norm) {}

void GradientNoiseAccumulator::add(double sample_squared_norm, double deviation_squared_norm) {
  ++samples_;
  sum_deviation_squared_ += deviation_squared_norm;
  sum_deviation_norm_ += std::sqrt(deviation_squared_norm);
  sum_sample_norm_ += std::sqrt(sample_squared_norm);
  sum_sample_squared_ += sample_squared_norm;
}

GradientNoiseStatistics GradientNoiseAccumulator::result() const {
  GradientNoiseStatistics statistics;
  statistics.samples = samples_;
  statistics.full_grad_norm = std::sqrt(full_squared_norm_);
  const double count = samples_ > 0 ? static_cast<double>(samples_) : std::nan("");
  statistics.stoch_grad_rms = std::sqrt(sum_deviation_squared_ / count);
  statistics.snr = statistics.full_grad_norm / statistics.stoch_grad_rms;
  statistics.noise_mean_norm = sum_deviation_norm_ / count;
  statistics.snr_old = statistics.full_grad_norm / statistics.noise_mean_norm;
  statistics.stoch_grad_mean_norm = sum_sample_norm_ / count;
  statistics.stoch_grad_mean_norm_squared = sum_sample_squared_ / count;
  return statistics;
}

GradientNoiseStatistics gradient_noise_statistics(std::span<const double> full_gradient,
                                                  std::span<const std::vector<double>> samples) {
  double full_squared = 0.0;
  for (double value : full_gradient) full_squared += value * value;
  GradientNoiseAccumulator accumulator(full_squared);
  for (const auto& sample : samples) {
    if (sample.size() != full_gradient.size()) {
      throw std::invalid_argument(
          "gradient_noise_statistics: every stochastic gradient needs the full gradient's length");
    }
    double squared = 0.0, deviation = 0.0;
    for (std::size_t j = 0; j < sample.size(); ++j) {
      squared += sample[j] * sample[j];
      const double difference = sample[j] - full_gradient[j];
      deviation += difference * difference;
    }
    accumulator.add(squared, deviation);
  }
  return accumulator.result();
}

}  // namespace thermo
