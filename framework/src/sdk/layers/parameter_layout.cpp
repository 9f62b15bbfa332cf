#include <thermo/layers/parameter_layout.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace thermo::layers {

ParameterLayout::Handle ParameterLayout::declare(ParameterSpec spec) {
  if (finalized_) throw std::logic_error("ParameterLayout::declare after finalize()");
  if (spec.name.empty()) throw std::logic_error("ParameterLayout::declare: empty name");
  for (const auto& existing : declared_) {
    if (existing.name == spec.name) throw std::logic_error(fmt::format("parameter '{}' declared twice", spec.name));
  }
  for (auto extent : spec.shape) {
    if (extent <= 0) throw std::logic_error(fmt::format("parameter '{}' has a non-positive extent", spec.name));
  }
  declared_.push_back(std::move(spec));
  return declared_.size() - 1;
}

void ParameterLayout::finalize() {
  if (finalized_) return;
  position_.assign(declared_.size(), 0);
  std::size_t offset = 0;
  for (bool scale_invariant_pass : {true, false}) {
    for (std::size_t i = 0; i < declared_.size(); ++i) {
      const auto& spec = declared_[i];
      if (spec.scale_invariant != scale_invariant_pass) continue;
      std::size_t count = 1;
      for (auto extent : spec.shape) count *= static_cast<std::size_t>(extent);
      position_[i] = blocks_.size();
      blocks_.push_back({spec.name, spec.shape, offset, count, spec.scale_invariant, spec.trainable});
      offset += count;
    }
    if (scale_invariant_pass) scale_invariant_count_ = offset;
  }
  total_count_ = offset;
  finalized_ = true;
}

void ParameterLayout::require_finalized() const {
  if (!finalized_) throw std::logic_error("ParameterLayout used before finalize()");
}

const std::vector<ParameterBlock>& ParameterLayout::blocks() const {
  require_finalized();
  return blocks_;
}

const ParameterBlock& ParameterLayout::block(Handle handle) const {
  require_finalized();
  return blocks_.at(position_.at(handle));
}

const ParameterBlock* ParameterLayout::find(std::string_view name) const {
  require_finalized();
  for (const auto& block : blocks_) {
    if (block.name == name) return &block;
  }
  return nullptr;
}

std::size_t ParameterLayout::total_count() const {
  require_finalized();
  return total_count_;
}

std::size_t ParameterLayout::scale_invariant_count() const {
  require_finalized();
  return scale_invariant_count_;
}

VectorView ParameterLayout::view(Handle handle, VectorView buffer) const {
  const auto& entry = block(handle);
  if (buffer.size != total_count_) {
    throw std::logic_error(
        fmt::format("ParameterLayout::view: buffer of {} elements, layout of {}", buffer.size, total_count_));
  }
  return buffer.slice(entry.offset, entry.count);
}

}  // namespace thermo::layers
