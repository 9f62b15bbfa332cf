#pragma once
// Optimizers update the parameter buffer in place from a gradient of the same layout.

#include <thermo/backend.hpp>
#include <thermo/state.hpp>

#include <boost/config.hpp>

#include <cstddef>
#include <string>

namespace thermo {

class BOOST_SYMBOL_VISIBLE Optimizer {
 public:
  virtual ~Optimizer() = default;
  // The learning rate applied to the scale-invariant parameters (sphere_sgd: elr·radius²).
  [[nodiscard]] virtual double learning_rate() const = 0;
  // Puts the starting point on the constraint set (sphere_sgd: rescales the SI part to the radius).
  virtual void initialize(Backend& backend, VectorView parameters, std::size_t scale_invariant_count) = 0;
  virtual void step(Backend& backend, VectorView parameters, ConstVectorView gradient,
                    std::size_t scale_invariant_count) = 0;
  // Bytes of backend memory the optimizer keeps between steps (momentum and the like), for the
  // engine's memory projection.
  [[nodiscard]] virtual std::size_t state_bytes() const { return 0; }
  virtual void save_state(StateArchive& /*archive*/, const std::string& /*prefix*/) const {}
  virtual void load_state(const StateArchive& /*archive*/, const std::string& /*prefix*/) {}
};

}  // namespace thermo
