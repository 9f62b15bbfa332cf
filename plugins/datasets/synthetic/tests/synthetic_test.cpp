// The synthetic data set: shape, determinism per seed, the distribution of values and labels,
// subsets and the size guard.
#include "../synthetic.hpp"
#include "../synthetic_plugin.hpp"
#include "plugins_for_tests.hpp"

#include <thermo/error.hpp>
#include <thermo/rng.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

using namespace thermo;
using namespace thermo::synthetic;

namespace {

std::unique_ptr<Dataset> make(const std::map<std::string, ParamValue>& overrides) {
  const SyntheticPlugin plugin;
  return plugin.create(thermo::testing::params_with(plugin.schema(), overrides));
}

}  // namespace

TEST_CASE("synthetic: defaults are CIFAR-10's shape") {
  const SyntheticPlugin plugin;
  const auto schema = plugin.schema();
  CHECK(std::get<std::int64_t>(*schema.find("train_size")->default_value) == 50000);
  CHECK(std::get<std::int64_t>(*schema.find("test_size")->default_value) == 10000);
  CHECK(std::get<std::int64_t>(*schema.find("classes")->default_value) == 10);
  CHECK(std::get<std::int64_t>(*schema.find("channels")->default_value) == 3);
  CHECK(std::get<std::int64_t>(*schema.find("height")->default_value) == 32);
  CHECK(std::get<std::int64_t>(*schema.find("width")->default_value) == 32);
  CHECK(std::get<std::int64_t>(*schema.find("seed")->default_value) == 1);
  CHECK(schema.find("samples_per_label")->nullable);
}

TEST_CASE("synthetic: shape, the stream it is drawn from, N(0,1) values, uniform labels") {
  const auto dataset = make({{"train_size", std::int64_t{3000}},
                             {"test_size", std::int64_t{500}},
                             {"classes", std::int64_t{5}},
                             {"channels", std::int64_t{2}},
                             {"height", std::int64_t{3}},
                             {"width", std::int64_t{5}},
                             {"seed", std::int64_t{7}}});
  const auto& info = dataset->info();
  CHECK(info.name == "synthetic");
  CHECK(info.sample_count() == 30);
  CHECK(info.classes == 5);
  CHECK(info.dtype == DType::f32);
  const auto& train = dataset->split(Split::train);
  const auto& test = dataset->split(Split::test);
  REQUIRE(train.size == 3000);
  REQUIRE(train.samples_f32.size() == 3000 * 30);
  REQUIRE(train.labels.size() == 3000);
  REQUIRE(test.size == 500);
  REQUIRE(test.samples_f32.size() == 500 * 30);

  // Documented order: per sample, the label then its values, from Rng(seed, "synthetic/train").
  Rng rng(7, "synthetic/train");
  CHECK(train.labels[0] == static_cast<std::int32_t>(rng.uniform_index(5)));
  for (std::size_t i = 0; i < 30; ++i) CHECK(train.samples_f32[i] == static_cast<float>(rng.normal()));
  CHECK(train.labels[1] == static_cast<std::int32_t>(rng.uniform_index(5)));

  double sum = 0.0, squares = 0.0;
  for (const float value : train.samples_f32) {
    sum += static_cast<double>(value);
    squares += static_cast<double>(value) * static_cast<double>(value);
  }
  const double count = static_cast<double>(train.samples_f32.size());
  CHECK(std::abs(sum / count) < 0.02);  // 90,000 values: the mean's sd is 0.0033
  CHECK(std::abs(std::sqrt(squares / count) - 1.0) < 0.02);

  std::map<int, int> per_class;
  for (auto label : train.labels) ++per_class[label];
  REQUIRE(per_class.size() == 5);
  CHECK(per_class.begin()->first == 0);
  CHECK(per_class.rbegin()->first == 4);
  for (const auto& [label, count_of_label] : per_class) CHECK(std::abs(count_of_label - 600) < 100);  // sd ~22
  CHECK(test.samples_f32 != std::vector<float>(train.samples_f32.begin(), train.samples_f32.begin() + 500 * 30));
}

TEST_CASE("synthetic: the same seed gives the same data, another seed other data") {
  const std::map<std::string, ParamValue> small{{"train_size", std::int64_t{100}}, {"test_size", std::int64_t{20}}};
  auto with_seed = small;
  const auto first = make(small);
  const auto again = make(small);
  CHECK(first->split(Split::train).samples_f32 == again->split(Split::train).samples_f32);
  CHECK(first->split(Split::train).labels == again->split(Split::train).labels);
  CHECK(first->split(Split::test).samples_f32 == again->split(Split::test).samples_f32);
  with_seed["seed"] = std::int64_t{2};
  const auto other = make(with_seed);
  CHECK(first->split(Split::train).samples_f32 != other->split(Split::train).samples_f32);
}

TEST_CASE("synthetic: samples_per_label, test switches, the size guard") {
  const auto subset = make({{"train_size", std::int64_t{400}},
                            {"test_size", std::int64_t{0}},
                            {"height", std::int64_t{2}},
                            {"width", std::int64_t{2}},
                            {"samples_per_label", std::int64_t{10}}});
  const auto& train = subset->split(Split::train);
  REQUIRE(train.size == 100);
  CHECK(train.samples_f32.size() == 100 * 12);
  std::map<int, int> per_class;
  for (auto label : train.labels) ++per_class[label];
  for (const auto& [label, count] : per_class) CHECK(count == 10);
  CHECK(subset->split(Split::test).size == 0);

  // The subset is a selection of the full data (in the shuffled order of the selection): every
  // sample is one of the full set's, each at most once.
  const auto full = make({{"train_size", std::int64_t{400}},
                          {"test_size", std::int64_t{0}},
                          {"height", std::int64_t{2}},
                          {"width", std::int64_t{2}}});
  const auto& all = full->split(Split::train);
  std::set<std::size_t> used;
  for (std::int64_t i = 0; i < train.size; ++i) {
    const std::vector<float> sample(train.samples_f32.begin() + i * 12, train.samples_f32.begin() + (i + 1) * 12);
    std::size_t match = 400;
    for (std::size_t j = 0; j < 400 && match == 400; ++j) {
      if (std::vector<float>(all.samples_f32.begin() + static_cast<std::ptrdiff_t>(j * 12),
                             all.samples_f32.begin() + static_cast<std::ptrdiff_t>(j * 12 + 12)) == sample) {
        match = j;
      }
    }
    REQUIRE(match < 400);
    CHECK(all.labels[match] == train.labels[static_cast<std::size_t>(i)]);
    CHECK(used.insert(match).second);
  }

  const auto no_test = make({{"train_size", std::int64_t{10}}, {"test", false}});
  CHECK(no_test->split(Split::test).size == 0);

  std::string message;
  try {
    (void)make({{"train_size", std::int64_t{1000000}}});
  } catch (const UserError& error) {
    message = error.what();
  }
  CHECK(message ==
        "synthetic: train_size x channels x height x width = 1000000 x 3072 values is more than the 2147483648 values "
        "(8 GiB of float32) one split may hold; make train_size or the image smaller");

  try {
    (void)make(
        {{"train_size", std::int64_t{30}}, {"test_size", std::int64_t{0}}, {"samples_per_label", std::int64_t{10}}});
  } catch (const UserError& error) {
    message = error.what();
  }
  CHECK(message.starts_with("samples_per_label is 10, but label "));
  CHECK(message.find(" training samples in the synthetic data set. Use samples_per_label <= ") != std::string::npos);
}

TEST_CASE("synthetic: loads as a plugin library") {
  const auto& plugin = thermo::testing::load_plugin<thermo::DatasetPlugin>(thermo::PluginKind::dataset, "synthetic");
  const auto params =
      thermo::testing::params_with(plugin.schema(), {{"train_size", std::int64_t{50}}, {"test_size", std::int64_t{5}}});
  const auto loaded = plugin.create(params);
  const auto local = SyntheticPlugin().create(params);
  CHECK(loaded->split(Split::train).samples_f32 == local->split(Split::train).samples_f32);
  CHECK(loaded->split(Split::test).labels == local->split(Split::test).labels);
}
