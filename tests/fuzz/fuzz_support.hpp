#pragma once
// What every fuzz target shares: a private scratch folder in memory (/dev/shm when it exists) for
// the files the readers under test open by path, removed when the process exits, and quiet
// logging (a fuzzer runs millions of inputs; the readers' warnings would drown its report).
//
// A fuzz target treats thermo::UserError and thermo::UserErrors as the expected answer to a bad
// input; any other exception escapes, aborts the process and is reported as a crash.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace thermo::fuzz {

// The scratch folder of this process (created on first use).
[[nodiscard]] const std::filesystem::path& scratch_folder();

// Writes `bytes` to scratch_folder()/name, replacing it, and returns the path.
std::filesystem::path write_scratch_file(std::string_view name, std::span<const std::uint8_t> bytes);

// Turns thermo's logger off for the rest of the process.
void silence_logging();

}  // namespace thermo::fuzz
