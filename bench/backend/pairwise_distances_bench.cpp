// Times the cpu backend's pairwise squared distance methods (centred Gram + direct fix-up vs
// direct differences for every pair) on 1000 rows of a random-walk trajectory with steps of
// 1e-6, for the ConvNet(8) and ConvNet(64) dimensions, and how far apart their results are.
//
//   backend_pairwise_distances_bench [--threads 2] [--count 1000] [--dims 24408,1550016]
//                                    [--skip-direct-above N] [--check-rows 20]
// --check-rows R compares the Gram method with a brute-force float64 loop on the first R rows.
#include "command_line.hpp"
#include "pairwise_distances.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::vector<float> random_walk(std::int64_t count, std::int64_t dim, double step) {
  std::mt19937_64 engine(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> position(static_cast<std::size_t>(dim));
  double norm = 0.0;
  for (auto& value : position) {
    value = normal(engine);
    norm += value * value;
  }
  for (auto& value : position) value /= std::sqrt(norm);
  // Steps of norm ≈ step: uniform ±1 per coordinate (cheaper than normals at 1.5e9 draws).
  const double per_coordinate = step / std::sqrt(static_cast<double>(dim));
  std::vector<float> rows(static_cast<std::size_t>(count * dim));
  std::uint64_t state = 88172645463325252ULL;
  for (std::int64_t row = 0; row < count; ++row) {
    std::copy(position.begin(), position.end(), rows.begin() + row * dim);
    for (auto& value : position) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      value += (state & 1U) != 0U ? per_coordinate : -per_coordinate;
    }
  }
  return rows;
}

double seconds(const thermo::cpu::CpuContext& context, const std::vector<float>& rows, std::int64_t count,
               std::int64_t dim, std::vector<double>& dst, thermo::cpu::DistanceMethod method) {
  const auto start = Clock::now();
  thermo::cpu::pairwise_squared_distances(context, rows.data(), count, dim, dst, method);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Largest relative error of `distances` against Σ (x_i − x_j)² in float64, for i < rows.
double brute_force_error(const std::vector<float>& data, std::int64_t count, std::int64_t dim, std::int64_t rows,
                         const std::vector<double>& distances, int threads) {
  double worst = 0.0;
#pragma omp parallel for schedule(dynamic) num_threads(threads) reduction(max : worst)
  for (std::int64_t pair = 0; pair < rows * count; ++pair) {
    const std::int64_t i = pair / count;
    const std::int64_t j = pair % count;
    double sum = 0.0;
    for (std::int64_t k = 0; k < dim; ++k) {
      const double difference = static_cast<double>(data[static_cast<std::size_t>(i * dim + k)]) -
                                static_cast<double>(data[static_cast<std::size_t>(j * dim + k)]);
      sum += difference * difference;
    }
    const double got = distances[static_cast<std::size_t>(i * count + j)];
    if (sum > 0.0) worst = std::max(worst, std::abs(got - sum) / sum);
    if (sum == 0.0 && got != 0.0) worst = std::max(worst, 1.0);
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  std::int64_t count = 1000;
  std::vector<std::int64_t> dims{24408, 1550016};
  std::int64_t skip_direct_above = 1LL << 62;
  std::int64_t check_rows = 20;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string flag = argv[index];
    const std::string value = argv[index + 1];
    if (flag == "--threads")
      threads = std::stoi(value);
    else if (flag == "--count")
      count = std::stoll(value);
    else if (flag == "--skip-direct-above")
      skip_direct_above = std::stoll(value);
    else if (flag == "--check-rows")
      check_rows = std::stoll(value);
    else if (flag == "--dims")
      dims = thermo::bench::integer_list(value);
  }
  const thermo::cpu::CpuContext context(threads);
  for (const auto dim : dims) {
    const auto rows = random_walk(count, dim, 1e-6);
    std::vector<double> gram(static_cast<std::size_t>(count * count));
    std::vector<double> direct(gram.size());
    const double gram_seconds = seconds(context, rows, count, dim, gram, thermo::cpu::DistanceMethod::gram);
    std::cout << fmt::format("count {} dim {} threads {}: gram + fix-up {:.3f} s (vs brute force on {} rows: {:.2e})",
                             count, dim, threads, gram_seconds, check_rows,
                             brute_force_error(rows, count, dim, std::min(check_rows, count), gram, threads));
    if (dim > skip_direct_above) {
      std::cout << "\n";
      continue;
    }
    const double direct_seconds = seconds(context, rows, count, dim, direct, thermo::cpu::DistanceMethod::direct);
    double worst = 0.0;
    for (std::size_t index = 0; index < gram.size(); ++index) {
      if (direct[index] > 0.0) worst = std::max(worst, std::abs(gram[index] - direct[index]) / direct[index]);
    }
    std::cout << fmt::format(", direct {:.3f} s; largest relative difference {:.2e}\n", direct_seconds, worst);
  }
  return 0;
}
