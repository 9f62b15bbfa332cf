#include "run/sampler.hpp"

#include <thermo/error.hpp>

#include <numeric>

namespace thermo::engine {

BatchSampler::BatchSampler(std::string kind, std::int64_t dataset_size, std::int64_t batch_size, std::uint64_t seed)
    : kind_(std::move(kind)), dataset_size_(dataset_size), batch_size_(batch_size), rng_(seed, "train") {
  if (dataset_size_ <= 0) throw UserError("the training set is empty");
  if (kind_ != "iid" && kind_ != "epochs") throw UserError("unknown sampler '" + kind_ + "' (iid or epochs)");
  batch_.reserve(static_cast<std::size_t>(batch_size_));
}

std::span<const std::int32_t> BatchSampler::next() {
  batch_.clear();
  if (kind_ == "iid") {
    for (std::int64_t i = 0; i < batch_size_; ++i) {
      batch_.push_back(static_cast<std::int32_t>(rng_.uniform_index(static_cast<std::uint64_t>(dataset_size_))));
    }
    return batch_;
  }
  if (permutation_.empty() || position_ >= dataset_size_) {
    permutation_.resize(static_cast<std::size_t>(dataset_size_));
    std::iota(permutation_.begin(), permutation_.end(), 0);
    for (std::size_t i = permutation_.size() - 1; i > 0; --i) {  // Fisher–Yates
      std::swap(permutation_[i], permutation_[rng_.uniform_index(i + 1)]);
    }
    position_ = 0;
  }
  const std::int64_t end = std::min(position_ + batch_size_, dataset_size_);
  batch_.assign(permutation_.begin() + position_, permutation_.begin() + end);
  position_ = end;
  return batch_;
}

void BatchSampler::save_state(StateArchive& archive, const std::string& prefix) const {
  archive.put_rng(prefix + "rng", rng_);
  archive.put_vector<std::int32_t>(prefix + "permutation", permutation_);
  archive.put_i64(prefix + "position", position_);
}

void BatchSampler::load_state(const StateArchive& archive, const std::string& prefix) {
  archive.get_rng(prefix + "rng", rng_);
  permutation_ = archive.get_vector<std::int32_t>(prefix + "permutation");
  position_ = archive.get_i64(prefix + "position");
}

}  // namespace thermo::engine
