// Fuzzes the gzip-compressed IDX reader (plugins/datasets/fashion_mnist/idx_file.*): read_gzip_file
// on a file written from the input, then parse_idx_images (28x28, Fashion-MNIST's shape) or
// parse_idx_labels (10 classes).
//
// Input: byte 0 flags (bit 0: a label file, else an image file; bit 1: the rest is IDX content
// that the target gzips before writing it, so that mutations reach the IDX parser; else the rest
// is the file's bytes as they are, corrupt gzip included), then the payload.
#include "fuzz_support.hpp"

#include "idx_file.hpp"

#include <thermo/error.hpp>

#include <zlib.h>

#include <cstdio>
#include <cstdlib>

namespace {
void write_gzip(const std::filesystem::path& file, std::span<const std::uint8_t> bytes) {
  gzFile handle = gzopen(file.c_str(), "wb");
  const bool written =
      handle != nullptr && (bytes.empty() || gzwrite(handle, bytes.data(), static_cast<unsigned>(bytes.size())) > 0);
  if (handle == nullptr || gzclose(handle) != Z_OK || !written) {
    std::fprintf(stderr, "idx_fuzzer: cannot write %s\n", file.c_str());
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  thermo::fuzz::silence_logging();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return -1;
  const bool labels = (data[0] & 1U) != 0;
  const bool compress = (data[0] & 2U) != 0;
  const std::span<const std::uint8_t> payload(data + 1, size - 1);
  const auto file = thermo::fuzz::scratch_folder() / "data-idx-ubyte.gz";
  if (compress) {
    write_gzip(file, payload);
  } else {
    (void)thermo::fuzz::write_scratch_file(file.filename().string(), payload);
  }
  const thermo::DataSource source{"Fashion-MNIST", "(how to get it)", "(how to repair it)"};
  try {
    const auto bytes = thermo::fashion_mnist::read_gzip_file(file, source);
    if (labels) {
      const auto parsed = thermo::fashion_mnist::parse_idx_labels(file, bytes, 10, source);
      for (const auto label : parsed) {
        if (label < 0 || label >= 10) std::abort();
      }
    } else {
      const auto images = thermo::fashion_mnist::parse_idx_images(file, bytes, 28, 28, source);
      if (images.pixels.size() != static_cast<std::size_t>(images.count) * 28 * 28) std::abort();
    }
  } catch (const thermo::UserError&) {
  }
  return 0;
}
