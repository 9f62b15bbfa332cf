#include "config/envelope.hpp"

#include "config/plugin_section.hpp"
#include "config/scalar_syntax.hpp"
#include "config/schedule.hpp"
#include "config/schema_section.hpp"
#include "util/text.hpp"

#include <thermo/log.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace thermo::engine {

namespace {

using Json = nlohmann::ordered_json;

const std::vector<std::string>& section_keys() {
  static const std::vector<std::string> keys = {"backend",    "dataset", "model",    "optimizer", "train",
                                                "estimators", "sweep",   "executor", "analysis",  "report"};
  return keys;
}

// `backend:` as a plain name; a map is a backend plugin's section.
const ParamSpec& backend_name_spec() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("backend", ParamType::string, "auto or a backend plugin");
    return result;
  }();
  return schema.specs().front();
}

const ParamSchema& envelope_schema() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("thermo", ParamType::integer, "schema version of the pipeline file");
    result.add("name", ParamType::string, "name of the run (a folder name)");
    result.add("description", ParamType::string, "free text").def(std::string());
    result
        .add("threads", ParamType::integer,
             "the run's CPU threads (a backend's `threads`, the analyses'), 0: every core")
        .def(std::int64_t{0})
        .min(0);
    result.add("seed", ParamType::integer, "base seed").def(std::int64_t{1}).min(0);
    result.add("loss", ParamType::choice, "training loss")
        .one_of({"cross_entropy", "mse"})
        .allow_null()
        .def(std::monostate{});
    return result;
  }();
  return schema;
}

const ParamSchema& train_schema() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("iters", ParamType::integer, "SGD iterations").min(0);
    result.add("batch_size", ParamType::integer, "samples per batch").def(std::int64_t{128}).min(1);
    result.add("sampler", ParamType::choice, "batch sampling").one_of({"iid", "epochs"}).def(std::string("iid"));
    result.add("seed", ParamType::integer, "seed of the batch sampler").def(std::int64_t{1}).min(0);
    return result;
  }();
  return schema;
}

const ParamSchema& executor_schema() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("kind", ParamType::choice, "where the points run").one_of({"local", "slurm"}).def(std::string("local"));
    result.add("jobs", ParamType::integer, "points run at once (local)").def(std::int64_t{1}).min(1);
    result.add("in_process", ParamType::boolean, "run points in the engine's process (local)").def(false);
    result.add("checkpoint_every", ParamType::real, "seconds of training between resume states (0: only on signals)")
        .def(300.0)
        .min(0);
    return result;
  }();
  return schema;
}

const ParamSchema& slurm_schema() {
  static const ParamSchema schema = [] {
    const SlurmSettings defaults;
    ParamSchema result;
    result.add("partition", ParamType::string, "sbatch --partition").def(std::string());
    result.add("time", ParamType::string, "sbatch --time of each point's task, e.g. 2-00:00:00").def(std::string());
    result.add("cpus_per_task", ParamType::integer, "sbatch --cpus-per-task (thermo's threads), 0: Slurm's default")
        .def(std::int64_t{0})
        .min(0);
    result.add("gpus", ParamType::string, "sbatch --gpus per task, e.g. 1 or a100:1").def(std::string());
    result.add("mem", ParamType::string, "sbatch --mem, e.g. 16G").def(std::string());
    result.add("account", ParamType::string, "sbatch --account").def(std::string());
    result.add("qos", ParamType::string, "sbatch --qos").def(std::string());
    result.add("concurrent", ParamType::integer, "at most this many tasks at once (--array=0-N%C), 0: no limit")
        .def(std::int64_t{0})
        .min(0);
    result.add("signal", ParamType::string, "sbatch --signal: the preemption warning (checkpoint, then requeue)")
        .def(defaults.signal);
    result.add("extra", ParamType::string_list, "more sbatch options, one #SBATCH line each")
        .def(std::vector<std::string>{});
    result.add("analysis_time", ParamType::string, "sbatch --time of the dependent analysis job")
        .def(defaults.analysis_time);
    return result;
  }();
  return schema;
}

bool valid_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

class EnvelopeValidator {
 public:
  EnvelopeValidator(const YamlNode& root, const ValueContext& context, SchemaProvider& schemas,
                    Diagnostics& diagnostics)
      : root_(root), context_(context), schemas_(schemas), diagnostics_(diagnostics) {}

  ValidatedDocument run(const std::vector<ParsedSweepAxis>& axes) {
    ValidatedDocument result;
    if (!check_root() || !check_version()) {
      result.version_supported = root_.is_map();
      return result;
    }
    Pipeline& pipeline = result.pipeline;
    Json& resolved = result.resolved;
    const SectionValues scalars =
        validate_section(root_, envelope_schema(), "", section_keys(), context_, diagnostics_);
    const Params& values = scalars.params;
    const auto resolve_scalar = [&](const char* key) {
      if (values.has(key)) resolved[key] = to_json(values.get(key));
    };
    resolve_scalar("thermo");
    if (values.has("name")) {
      pipeline.name = values.get_string("name");
      if (!valid_name(pipeline.name)) {
        const YamlNode* node = root_.find("name");
        diagnostics_.error(node->location, "name",
                           fmt::format("expected a name of letters, digits, '.', '_' and '-' (it names a folder), "
                                       "got {}",
                                       describe_node(*node)));
      }
    }
    resolve_scalar("name");
    if (values.has("description")) pipeline.description = values.get_string("description");
    resolve_scalar("description");
    backend(pipeline, resolved);
    if (values.has("threads")) pipeline.threads = values.get_int("threads");
    resolve_scalar("threads");
    if (values.has("seed")) pipeline.seed = static_cast<std::uint64_t>(values.get_int("seed"));
    resolve_scalar("seed");

    pipeline.dataset = optional_plugin(PluginKind::dataset, "dataset", resolved);
    pipeline.model = optional_plugin(PluginKind::model, "model", resolved);
    if (values.has("loss") && !values.is_null("loss")) {
      pipeline.loss = values.get_string("loss") == "mse" ? LossKind::mse : LossKind::cross_entropy;
    }
    resolve_scalar("loss");
    pipeline.optimizer = optional_plugin(PluginKind::optimizer, "optimizer", resolved);
    pipeline.train = train(resolved);
    pipeline.estimators = plugin_list(PluginKind::estimator, "estimators", resolved);
    for (const auto& axis : axes) pipeline.sweep.push_back(to_sweep_axis(axis));
    resolved["sweep"] = sweep_to_json(axes);
    pipeline.executor = executor(resolved);
    pipeline.analysis = plugin_list(PluginKind::analysis, "analysis", resolved);
    pipeline.report = optional_plugin(PluginKind::report, "report", resolved);
    return result;
  }

 private:
  bool check_root() {
    if (root_.is_map()) return true;
    if (root_.is_null()) {
      diagnostics_.error(root_.location, "", "the pipeline is empty; it needs at least `thermo: 1` and `name: <name>`");
    } else {
      diagnostics_.error(
          root_.location, "",
          fmt::format("expected a map of pipeline keys (thermo: 1, name: ...), got {}", describe_node(root_)));
    }
    return false;
  }

  // A file of another schema version is not checked further: its keys may mean other things.
  bool check_version() {
    const YamlNode* node = root_.find("thermo");
    if (node == nullptr || !node->is_scalar() || !node->plain) return true;
    const IntegerText version = parse_integer_text(node->text);
    if (version.status != IntegerText::Status::ok || version.value == kPipelineSchemaVersion) return true;
    diagnostics_.error(
        node->location, "thermo",
        fmt::format("unsupported schema version {} (this thermo reads {})", node->text, kPipelineSchemaVersion));
    return false;
  }

  // `backend:` is a name (auto or a backend plugin), a backend plugin's section with its settings,
  // or `{plugin: auto, cpu: {...}, cuda: {...}}`: settings per backend plugin, of which the run
  // takes those of the backend it resolves to (so one file serves a laptop and a GPU node).
  void backend(Pipeline& pipeline, Json& resolved) {
    resolved["backend"] = pipeline.backend;
    const YamlNode* node = root_.find("backend");
    if (node == nullptr || node->invalid) return;
    if (node->is_map()) {
      const YamlNode* name = node->find("plugin");
      if (name != nullptr && name->is_scalar() && name->text == "auto") {
        auto_backend_settings(*node, pipeline, resolved);
        return;
      }
      Json section;
      auto validated =
          validate_plugin_section(*node, PluginKind::backend, "backend", schemas_, context_, diagnostics_, section);
      resolved["backend"] = std::move(section);
      if (!validated) return;
      pipeline.backend = validated->plugin;
      pipeline.backend_settings.emplace(validated->plugin, std::move(validated->params));
      return;
    }
    const auto value = convert_value(*node, backend_name_spec(), "backend", context_, diagnostics_);
    if (!value) return;
    const std::string name = std::get<std::string>(*value);
    resolved["backend"] = name;
    std::vector<std::string> known = schemas_.names(PluginKind::backend);
    if (name == "auto" || std::find(known.begin(), known.end(), name) != known.end()) {
      pipeline.backend = name;
      return;
    }
    known.insert(known.begin(), "auto");
    diagnostics_.error(node->location, "backend", unknown_plugin_message(PluginKind::backend, name, known));
  }

  // `backend: {plugin: auto, NAME: {settings}, ...}`: each NAME a backend plugin, its settings
  // validated against that plugin's schema.
  void auto_backend_settings(const YamlNode& node, Pipeline& pipeline, Json& resolved) {
    Json section = Json::object();
    section["plugin"] = "auto";
    const std::vector<std::string> known = schemas_.names(PluginKind::backend);
    for (const auto& entry : node.children) {
      if (entry.key == "plugin" || entry.invalid) continue;
      const std::string path = child_path("backend", entry.key);
      if (std::find(known.begin(), known.end(), entry.key) == known.end()) {
        // Settings for a backend this installation lacks (cuda on a build without CUDA) leave the
        // file portable: unused here, and said so. A near miss of an installed name or settings
        // that are not a map are mistakes.
        if (!entry.is_map() || nearest(entry.key, known)) {
          diagnostics_.error(entry.key_location, path,
                             "under `plugin: auto` each key names a backend plugin whose settings follow; " +
                                 unknown_plugin_message(PluginKind::backend, entry.key, known));
        } else {
          logger().info("{}: {}: no backend plugin '{}' is installed here (known: {}); its settings are unused",
                        entry.key_location.to_string(), path, entry.key, join(known, ", "));
        }
        continue;
      }
      if (!entry.is_map()) {
        diagnostics_.error(entry.location, path,
                           fmt::format("expected the settings of backend {} as a map ({}: {{<parameter>: <value>}}), "
                                       "got {}",
                                       entry.key, entry.key, describe_node(entry)));
        continue;
      }
      const ParamSchema* schema = nullptr;
      try {
        schema = schemas_.find_schema(PluginKind::backend, entry.key);
      } catch (const UserError& error) {
        diagnostics_.error(entry.key_location, path, error.message().empty() ? error.what() : error.message());
        continue;
      }
      if (schema == nullptr) continue;
      SectionValues values = validate_section(entry, *schema, path, {}, context_, diagnostics_);
      section[entry.key] = std::move(values.resolved);
      if (values.ok) pipeline.backend_settings.emplace(entry.key, std::move(values.params));
    }
    resolved["backend"] = std::move(section);
  }

  // A present, non-null entry of the root, or nullptr.
  const YamlNode* entry(const char* key) const {
    const YamlNode* node = root_.find(key);
    return (node == nullptr || node->is_null()) ? nullptr : node;
  }

  std::optional<PluginSection> optional_plugin(PluginKind kind, const char* key, Json& resolved) {
    resolved[key] = nullptr;
    const YamlNode* node = entry(key);
    if (node == nullptr) return std::nullopt;
    return validate_plugin_section(*node, kind, key, schemas_, context_, diagnostics_, resolved[key]);
  }

  std::vector<PluginSection> plugin_list(PluginKind kind, const char* key, Json& resolved) {
    std::vector<PluginSection> sections;
    resolved[key] = Json::array();
    const YamlNode* node = entry(key);
    if (node == nullptr || node->invalid) return sections;
    if (!node->is_sequence()) {
      diagnostics_.error(node->location, key,
                         fmt::format("expected a list of {} sections ({{plugin: <name>, ...}}), got {}",
                                     to_string(kind), describe_node(*node)));
      return sections;
    }
    for (std::size_t i = 0; i < node->children.size(); ++i) {
      Json section_resolved;
      auto section = validate_plugin_section(node->children[i], kind, child_path(key, std::to_string(i)), schemas_,
                                             context_, diagnostics_, section_resolved);
      resolved[key].push_back(std::move(section_resolved));
      if (section) sections.push_back(std::move(*section));
    }
    return sections;
  }

  std::optional<TrainSection> train(Json& resolved) {
    resolved["train"] = nullptr;
    const YamlNode* node = entry("train");
    if (node == nullptr) return std::nullopt;
    require_for_training(PluginKind::model, "model");
    require_for_training(PluginKind::optimizer, "optimizer");
    if (node->invalid) return std::nullopt;
    if (!node->is_map()) {
      diagnostics_.error(node->location, "train",
                         fmt::format("expected a map {{iters: N, ...}} or null, got {}", describe_node(*node)));
      return std::nullopt;
    }
    const SectionValues values =
        validate_section(*node, train_schema(), "train", {"log", "checkpoints"}, context_, diagnostics_);
    Json& section = resolved["train"];
    section = values.resolved;
    TrainSection train;
    ScheduleSpec paper;
    paper.kind = ScheduleSpec::Kind::paper;
    const auto log = schedule(*node, "log", paper, section);
    const auto checkpoints = schedule(*node, "checkpoints", ScheduleSpec{}, section);
    if (!values.ok || !log || !checkpoints) return std::nullopt;
    train.iterations = values.params.get_int("iters");
    train.batch_size = values.params.get_int("batch_size");
    train.sampler = values.params.get_string("sampler");
    train.seed = static_cast<std::uint64_t>(values.params.get_int("seed"));
    train.log = *log;
    train.checkpoints = *checkpoints;
    return train;
  }

  std::optional<ScheduleSpec> schedule(const YamlNode& train_node, const char* key, const ScheduleSpec& fallback,
                                       Json& section) {
    const YamlNode* node = train_node.find(key);
    if (node == nullptr) {
      section[key] = schedule_to_json(fallback);
      return fallback;
    }
    return parse_schedule(*node, child_path("train", key), context_, diagnostics_, section[key]);
  }

  void require_for_training(PluginKind kind, const char* key) {
    if (entry(key) != nullptr) return;
    const YamlNode* node = root_.find(key);
    if (node == nullptr) {
      diagnostics_.error(root_.location, "",
                         fmt::format("missing required key '{}' ({} section is required when train is set)", key,
                                     kind_with_article(kind)));
    } else if (!node->invalid) {
      diagnostics_.error(node->location, key,
                         fmt::format("{} section is required when train is set, got null", kind_with_article(kind)));
    }
  }

  ExecutorSection executor(Json& resolved) {
    ExecutorSection executor;
    resolved["executor"] = Json::object();
    const YamlNode* node = entry("executor");
    const YamlNode empty = YamlNode::make_map(root_.location);
    if (node != nullptr && !node->is_map()) {
      if (!node->invalid) {
        diagnostics_.error(node->location, "executor",
                           fmt::format("expected a map {{jobs: N, in_process: false}}, got {}", describe_node(*node)));
      }
      return executor;
    }
    const YamlNode& section = node != nullptr ? *node : empty;
    const SectionValues values =
        validate_section(section, executor_schema(), "executor", {"slurm"}, context_, diagnostics_);
    resolved["executor"] = values.resolved;
    const Params& params = values.params;
    if (params.has("kind")) executor.kind = params.get_string("kind");
    values_kind_ = executor.kind;
    if (params.has("jobs")) executor.jobs = params.get_int("jobs");
    if (params.has("in_process")) executor.in_process = params.get_bool("in_process");
    if (params.has("checkpoint_every")) executor.checkpoint_every = params.get_real("checkpoint_every");
    executor.slurm = slurm(section, resolved["executor"]);
    return executor;
  }

  SlurmSettings slurm(const YamlNode& executor_node, Json& resolved) {
    SlurmSettings settings;
    const YamlNode* node = executor_node.find("slurm");
    const YamlNode empty = YamlNode::make_map(executor_node.location);
    if (node != nullptr && !node->is_null() && !node->is_map()) {
      if (!node->invalid) {
        diagnostics_.error(node->location, "executor.slurm",
                           fmt::format("expected a map {{partition: ..., time: ...}}, got {}", describe_node(*node)));
      }
      return settings;
    }
    const YamlNode& section = (node != nullptr && node->is_map()) ? *node : empty;
    const SectionValues values =
        validate_section(section, slurm_schema(), "executor.slurm", {}, context_, diagnostics_);
    // The resolved pipeline names the Slurm settings only where they matter.
    if (node != nullptr || (values_kind_ == "slurm")) resolved["slurm"] = values.resolved;
    const Params& params = values.params;
    const auto text = [&](const char* key, std::string& field) {
      if (params.has(key)) field = params.get_string(key);
    };
    text("partition", settings.partition);
    text("time", settings.time);
    text("gpus", settings.gpus);
    text("mem", settings.memory);
    text("account", settings.account);
    text("qos", settings.qos);
    text("signal", settings.signal);
    text("analysis_time", settings.analysis_time);
    if (params.has("cpus_per_task")) settings.cpus_per_task = params.get_int("cpus_per_task");
    if (params.has("concurrent")) settings.concurrent = params.get_int("concurrent");
    if (params.has("extra")) settings.extra = params.get_string_list("extra");
    return settings;
  }

  const YamlNode& root_;
  std::string values_kind_;  // executor.kind, once read
  const ValueContext& context_;
  SchemaProvider& schemas_;
  Diagnostics& diagnostics_;
};

}  // namespace

ValidatedDocument validate_document(const YamlNode& root, const std::vector<ParsedSweepAxis>& axes,
                                    const ValueContext& context, SchemaProvider& schemas, Diagnostics& diagnostics) {
  return EnvelopeValidator(root, context, schemas, diagnostics).run(axes);
}

}  // namespace thermo::engine
