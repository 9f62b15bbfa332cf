#pragma once
// Which training samples make each batch. `iid` (the reference): batch_size indices drawn
// uniformly WITH replacement every iteration. `epochs`: consecutive slices of a fresh random
// permutation per epoch; the last batch of an epoch may be smaller (PyTorch's drop_last=False).

#include <thermo/rng.hpp>
#include <thermo/state.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace thermo::engine {

class BatchSampler {
 public:
  BatchSampler(std::string kind, std::int64_t dataset_size, std::int64_t batch_size, std::uint64_t seed);

  // The next batch's indices; valid until the next call.
  std::span<const std::int32_t> next();

  void save_state(StateArchive& archive, const std::string& prefix) const;
  void load_state(const StateArchive& archive, const std::string& prefix);

 private:
  std::string kind_;
  std::int64_t dataset_size_;
  std::int64_t batch_size_;
  Rng rng_;
  std::vector<std::int32_t> batch_;
  std::vector<std::int32_t> permutation_;
  std::int64_t position_ = 0;  // in the permutation (epochs)
};

}  // namespace thermo::engine
