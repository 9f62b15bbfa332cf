#pragma once
// thermo's random numbers: xoshiro256** seeded through splitmix64 from (seed, stream name), with
// distributions written out here so that a seed gives the same numbers on every compiler and
// standard library (std::uniform_int_distribution does not). The whole state is four words and a
// cached normal, so a run's generators can be saved and restored exactly.

#include <array>
#include <cstdint>
#include <string_view>

namespace thermo {

class Rng {
 public:
  struct State {
    std::array<std::uint64_t, 4> words{};
    bool has_spare_normal = false;
    double spare_normal = 0.0;
    bool operator==(const State&) const = default;
  };

  // Independent streams for one seed: Rng(seed, "train"), Rng(seed, "gradient_noise"), ...
  explicit Rng(std::uint64_t seed, std::string_view stream = "");

  std::uint64_t next_u64();
  // Uniform in [0, bound), unbiased (Lemire's multiply-and-reject); bound > 0.
  std::uint64_t uniform_index(std::uint64_t bound);
  // Uniform in [0, 1) with 53 random bits.
  double uniform01();
  // Uniform in [low, high).
  double uniform(double low, double high);
  // Standard normal (Marsaglia's polar method; the second value is cached).
  double normal();
  // Gamma(shape, 1) by Marsaglia–Tsang; shape > 0.
  double gamma(double shape);
  // Chi-square with `degrees` degrees of freedom (2·Gamma(degrees/2)).
  double chi_square(double degrees);

  [[nodiscard]] const State& state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  State state_;
};

// FNV-1a of a stream name; mixes names into seeds.
[[nodiscard]] std::uint64_t hash_name(std::string_view name);

}  // namespace thermo
