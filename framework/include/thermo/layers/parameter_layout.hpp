#pragma once
// Where each parameter tensor of a model lives in its ONE contiguous parameter buffer (and the
// gradient buffer of the same layout): layers declare their tensors in the reference's order, and
// the layout puts the scale-invariant blocks first, contiguous, each group in declaration order.

#include <thermo/model.hpp>
#include <thermo/tensor.hpp>

#include <boost/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace thermo::layers {

struct ParameterSpec {
  std::string name;                 // "conv1.weight"
  std::vector<std::int64_t> shape;  // OIHW for convolutions, out×in for linear weights
  bool scale_invariant = false;
  bool trainable = false;
};

class BOOST_SYMBOL_VISIBLE ParameterLayout {
 public:
  using Handle = std::size_t;

  // Declares a tensor; the handle stays valid after finalize(). Names must be unique.
  Handle declare(ParameterSpec spec);
  // Fixes the offsets (scale-invariant blocks first). Nothing can be declared afterwards.
  void finalize();
  [[nodiscard]] bool finalized() const { return finalized_; }

  // The blocks in buffer order: what Model::layout() returns.
  [[nodiscard]] const std::vector<ParameterBlock>& blocks() const;
  [[nodiscard]] const ParameterBlock& block(Handle handle) const;
  [[nodiscard]] const ParameterBlock* find(std::string_view name) const;
  [[nodiscard]] std::size_t total_count() const;
  [[nodiscard]] std::size_t scale_invariant_count() const;

  // The block's elements inside a buffer of total_count() elements.
  [[nodiscard]] VectorView view(Handle handle, VectorView buffer) const;

 private:
  void require_finalized() const;

  std::vector<ParameterSpec> declared_;
  std::vector<std::size_t> position_;  // declaration index -> index into blocks_
  std::vector<ParameterBlock> blocks_;
  std::size_t total_count_ = 0;
  std::size_t scale_invariant_count_ = 0;
  bool finalized_ = false;
};

}  // namespace thermo::layers
