#include "uniform_reference.hpp"

#include "analysis_support.hpp"

#include <thermo/error.hpp>
#include <thermo/knn_entropy.hpp>
#include <thermo/log.hpp>
#include <thermo/series_statistics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace thermo::uniform_reference {
namespace {
constexpr const char* kStage = "uniform_reference";

// A run's `section` of the resolved configuration with the run's overrides inside it applied
// (overrides are dotted keys: {"model.channels": 64}).
nlohmann::json effective_section(const Experiment& experiment, const RunRecord& run, const std::string& section) {
  nlohmann::json value = experiment.value_of(run, section);
  if (!run.overrides.is_object()) return value;
  const std::string prefix = section + ".";
  for (const auto& [key, override_value] : run.overrides.items()) {
    if (key.rfind(prefix, 0) != 0) continue;
    nlohmann::json* node = &value;
    std::size_t start = prefix.size();
    while (true) {
      const auto end = key.find('.', start);
      const std::string part = key.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (node->is_array() && !part.empty() &&
          std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
        const auto index = static_cast<std::size_t>(std::stoul(part));
        while (node->size() <= index) node->push_back(nullptr);
        node = &(*node)[index];
      } else {
        if (!node->is_object()) *node = nlohmann::json::object();
        node = &(*node)[part];
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    *node = override_value;
  }
  return value;
}

// Runs that build the same model (model, data set and loss sections, overrides applied) see the
// same sphere and the same loss landscape: one reference serves them all.
struct ModelGroup {
  nlohmann::json key;
  std::vector<const RunRecord*> runs;
};

std::vector<ModelGroup> group_runs(const Experiment& experiment) {
  std::vector<ModelGroup> groups;
  for (const auto& run : experiment.runs) {
    const nlohmann::json key{{"model", effective_section(experiment, run, "model")},
                             {"dataset", effective_section(experiment, run, "dataset")},
                             {"loss", effective_section(experiment, run, "loss")}};
    auto found = std::find_if(groups.begin(), groups.end(), [&](const ModelGroup& group) { return group.key == key; });
    if (found == groups.end()) {
      groups.push_back({key, {}});
      found = std::prev(groups.end());
    }
    found->runs.push_back(&run);
  }
  return groups;
}

std::uint64_t seed_of(const Experiment& experiment, const RunRecord& run) {
  const auto seed = effective_section(experiment, run, "seed");
  if (seed.is_number_unsigned()) return seed.get<std::uint64_t>();
  if (seed.is_number_integer() && seed.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(seed.get<std::int64_t>());
  return 1;
}

nlohmann::json by_k(const std::vector<std::int64_t>& ks, const std::vector<double>& values) {
  auto object = nlohmann::json::object();
  for (std::size_t q = 0; q < ks.size(); ++q) object[std::to_string(ks[q])] = values[q];
  return object;
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

// summary.json gains (or replaces) its `uniform` entry; everything else stays (written durably,
// so a kill never leaves half a summary).
void add_to_summary(const RunRecord& run, const nlohmann::json& entry) {
  const auto file = run.dir / "summary.json";
  if (!std::filesystem::exists(file)) {
    logger().warn("{}: run {} has no summary.json; its uniform reference is only in uniform.json", kStage, run.label);
    return;
  }
  nlohmann::json summary;
  {
    std::ifstream in(file);
    try {
      summary = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& error) {
      throw UserError(SourceLocation{file.string()}, "", fmt::format("not valid JSON: {}", error.what()));
    }
  }
  if (!summary.is_object()) throw UserError(SourceLocation{file.string()}, "", "expected a JSON object");
  summary["uniform"] = entry;
  analysis_support::write_json(file, summary);
}
}  // namespace

ParamSchema schema() {
  ParamSchema schema;
  schema.add("points", ParamType::integer, "N: uniform points per entropy estimate").def(std::int64_t{1000}).min(2);
  schema.add("repeats", ParamType::integer, "independent entropy estimates averaged").def(std::int64_t{10}).min(1);
  schema.add("ks", ParamType::integer_list, "neighbour counts k of the entropy")
      .def(default_entropy_ks())
      .min(1)
      .size_between(1, 64);
  schema.add("loss_samples", ParamType::integer, "random SI weight vectors whose training loss is averaged; 0: none")
      .def(std::int64_t{100})
      .min(0);
  schema
      .add("method", ParamType::choice,
           "wishart: sample the N×N Gram matrix directly (O(N³), any dimension); direct: draw the D-dimensional "
           "points (O(N²·D))")
      .def(std::string("wishart"))
      .one_of({"wishart", "direct"});
  schema.add("chunk", ParamType::integer, "samples per forward pass of the loss evaluation")
      .def(std::int64_t{1024})
      .min(1);
  return schema;
}

Settings settings_from(const Params& params) {
  Settings settings;
  settings.points = params.get_int("points");
  settings.repeats = params.get_int("repeats");
  settings.ks = params.get_int_list("ks");
  settings.loss_samples = params.get_int("loss_samples");
  settings.method = parse_uniform_sphere_method(params.get_string("method"));
  settings.chunk = params.get_int("chunk");
  return settings;
}

LossReference uniform_loss(ModelResources& resources, std::int64_t samples, std::int64_t chunk, Rng& rng) {
  auto& model = resources.model();
  auto& backend = resources.backend();
  auto* data = resources.data();
  if (data == nullptr) throw std::logic_error("uniform_loss needs a data set");
  const std::size_t dimension = model.scale_invariant_count();
  const VectorView si = model.parameters().slice(0, dimension);
  const std::int64_t train_size = data->size(Split::train);
  std::vector<std::int32_t> indices(static_cast<std::size_t>(train_size));
  std::iota(indices.begin(), indices.end(), 0);
  std::vector<double> vector(dimension);
  std::vector<float> vector_f32(si.dtype == DType::f32 ? dimension : 0);
  std::vector<double> losses;
  for (std::int64_t s = 0; s < samples; ++s) {
    double squared = 0.0;
    for (auto& value : vector) {
      value = rng.normal();
      squared += value * value;
    }
    const double factor = resources.radius() / std::sqrt(squared);
    for (auto& value : vector) value *= factor;
    if (si.dtype == DType::f32) {
      std::transform(vector.begin(), vector.end(), vector_f32.begin(),
                     [](double value) { return static_cast<float>(value); });
      backend.upload(vector_f32.data(), si);
    } else {
      backend.upload(vector.data(), si);
    }
    double loss_sum = 0.0;
    for (std::int64_t start = 0; start < train_size; start += chunk) {
      const auto count = static_cast<std::size_t>(std::min(chunk, train_size - start));
      const std::span<const std::int32_t> part(indices.data() + start, count);
      loss_sum += model.evaluate_batch(Batch{Split::train, part}, Mode::training, false).sum;
    }
    losses.push_back(loss_sum / static_cast<double>(train_size));
  }
  const auto summary = nan_mean_and_deviation(losses);
  return {summary.mean, summary.deviation};
}

void UniformReferenceAnalysis::run(const AnalysisContext& context) {
  const Experiment& experiment = analysis_support::require_experiment(context, kStage);
  if (!context.build_model) {
    throw UserError(fmt::format("analysis '{}' needs the experiment's pipeline to build its models", kStage));
  }
  auto document = nlohmann::json::array();
  std::vector<std::string> table;
  for (const auto& group : group_runs(experiment)) {
    const RunRecord& first = *group.runs.front();
    auto resources = context.build_model(first);
    auto& model = resources->model();
    const auto dimension = static_cast<std::int64_t>(model.scale_invariant_count());
    if (dimension < 2) {
      throw UserError(
          fmt::format("analysis '{}': the model of run {} has {} scale-invariant parameters; the uniform "
                      "reference needs at least 2",
                      kStage, first.label, dimension));
    }
    // One stream per model: the entropy repeats first, then the random weight vectors of the loss.
    Rng rng(seed_of(experiment, first), "uniform_reference");
    logger().info("{}: model of {} ({} runs): D = {}, {} × {} uniform points ({})", kStage, first.label,
                  group.runs.size(), dimension, settings_.repeats, settings_.points, to_string(settings_.method));
    const auto entropy =
        uniform_sphere_entropy(settings_.points, dimension, settings_.ks, settings_.repeats, settings_.method, rng);

    nlohmann::json loss, loss_std;
    if (resources->data() != nullptr && resources->data()->size(Split::train) > 0 && settings_.loss_samples > 0) {
      logger().info("{}: training loss of {} uniformly random weight vectors", kStage, settings_.loss_samples);
      const auto reference = uniform_loss(*resources, settings_.loss_samples, settings_.chunk, rng);
      loss = number_or_null(reference.mean);
      loss_std = number_or_null(reference.std_dev);
    }

    auto labels = nlohmann::json::array();
    for (const auto* run : group.runs) labels.push_back(run->label);
    const nlohmann::json entry{{"runs", labels},
                               {"model", group.key["model"]},
                               {"dimension", dimension},
                               {"points", settings_.points},
                               {"repeats", settings_.repeats},
                               {"method", to_string(settings_.method)},
                               {"entropy", by_k(settings_.ks, entropy.mean)},
                               {"entropy_std", by_k(settings_.ks, entropy.std_dev)},
                               {"loss", loss},
                               {"loss_std", loss_std}};
    document.push_back(entry);
    for (const auto* run : group.runs) add_to_summary(*run, entry);

    const auto k50 = std::find(settings_.ks.begin(), settings_.ks.end(), 50);
    const auto shown = k50 != settings_.ks.end() ? k50 : settings_.ks.begin();
    const auto q = static_cast<std::size_t>(shown - settings_.ks.begin());
    table.push_back(fmt::format("  {:<28} {:>12} {:>8} {:>16.6g} {:>12.4g} {:>12}", first.label, dimension, *shown,
                                entropy.mean[q], entropy.std_dev[q],
                                loss.is_null() ? std::string("-") : fmt::format("{:.6g}", loss.get<double>())));
  }
  std::filesystem::create_directories(context.analysis_dir);
  analysis_support::write_json(context.analysis_dir / "uniform.json", document);
  logger().info("{}: uniform references (analysis/uniform.json)", kStage);
  logger().info("  {:<28} {:>12} {:>8} {:>16} {:>12} {:>12}", "model of run", "dimension", "k", "entropy S_k", "std",
                "loss");
  for (const auto& line : table) logger().info("{}", line);
}

}  // namespace thermo::uniform_reference
