// Fuzzes the CIFAR binary loader (plugins/datasets/cifar/cifar_format.*) through load_cifar, the
// function both plugins call, on a folder of files written from the input. The official layouts
// hold 10,000 records per file; here the expected counts come from the input (0-3 records), so
// that small inputs reach decoding, label checks and per-label subsets.
//
// Input: byte 0 flags (bit 0: CIFAR-100 layout, bit 1: load the test split, bit 2: draw
// samples_per_label), byte 1 samples_per_label - 1, byte 2 the expected record counts (two bits
// each: first training file, second training file, test file), byte 3 the subset seed, bytes 4-7
// the sizes of the first two files (16-bit little-endian; cut to what the input holds), then the
// files' bytes in order, the test file taking the rest.
#include "fuzz_support.hpp"

#include "cifar_format.hpp"

#include <thermo/error.hpp>

#include <algorithm>
#include <span>

namespace {
constexpr std::size_t kHeaderBytes = 8;

std::size_t u16_at(const std::uint8_t* data, std::size_t offset) {
  return data[offset] | (std::size_t{data[offset + 1]} << 8U);
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  thermo::fuzz::silence_logging();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < kHeaderBytes) return -1;  // not kept in the corpus
  const std::uint8_t flags = data[0];
  auto format = (flags & 1U) != 0 ? thermo::cifar::cifar100_format() : thermo::cifar::cifar10_format();
  const auto records = [&](unsigned shift) { return static_cast<std::int64_t>((data[2] >> shift) & 3U); };
  format.train_files = {{"train_1.bin", records(0), "a small CIFAR batch"},
                        {"train_2.bin", records(2), "a small CIFAR batch"}};
  format.test_file = {"test.bin", records(4), "a small CIFAR batch"};

  thermo::SubsetOptions options;
  options.load_test = (flags & 2U) != 0;
  if ((flags & 4U) != 0) options.samples_per_label = std::int64_t{data[1]} + 1;
  options.seed = data[3];

  std::span<const std::uint8_t> rest(data + kHeaderBytes, size - kHeaderBytes);
  const auto take = [&rest](std::size_t wanted) {
    const auto part = rest.first(std::min(wanted, rest.size()));
    rest = rest.subspan(part.size());
    return part;
  };
  const auto first = take(u16_at(data, 4));
  const auto second = take(u16_at(data, 6));
  thermo::fuzz::write_scratch_file("train_1.bin", first);
  thermo::fuzz::write_scratch_file("train_2.bin", second);
  thermo::fuzz::write_scratch_file("test.bin", rest);
  try {
    const auto dataset = thermo::cifar::load_cifar(format, thermo::fuzz::scratch_folder(), options);
    const auto& train = dataset->split(thermo::Split::train);
    if (train.labels.size() != static_cast<std::size_t>(train.size)) std::abort();
  } catch (const thermo::UserError&) {
  }
  return 0;
}
