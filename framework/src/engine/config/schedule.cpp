#include "config/schedule.hpp"

#include "config/schema_section.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace thermo::engine {

namespace {

constexpr const char* kForms =
    "paper, none, a list of iterations, {every: N} or {first: [a, b], logspace: {start: x, num: K}}";

const ParamSchema& every_schema() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("every", ParamType::integer, "log every N iterations").min(1);
    return result;
  }();
  return schema;
}

const ParamSchema& log_range_schema() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("first", ParamType::integer_list, "every iteration from a to b").min(0).size_between(2, 2);
    return result;
  }();
  return schema;
}

const ParamSchema& logspace_schema() {
  static const ParamSchema schema = [] {
    ParamSchema result;
    result.add("start", ParamType::real, "log10 of the first iteration").min(0);
    result.add("num", ParamType::integer, "points up to the last iteration").min(1);
    return result;
  }();
  return schema;
}

std::optional<ScheduleSpec> parse_list(const YamlNode& node, const std::string& key_path, const ValueContext& context,
                                       Diagnostics& diagnostics) {
  ParamSpec spec;
  spec.name = "iterations";
  spec.type = ParamType::integer_list;
  spec.min(0);
  const auto value = convert_value(node, spec, key_path, context, diagnostics);
  if (!value) return std::nullopt;
  ScheduleSpec schedule;
  schedule.kind = ScheduleSpec::Kind::list;
  schedule.iterations = std::get<std::vector<std::int64_t>>(*value);
  std::sort(schedule.iterations.begin(), schedule.iterations.end());
  schedule.iterations.erase(std::unique(schedule.iterations.begin(), schedule.iterations.end()),
                            schedule.iterations.end());
  return schedule;
}

std::optional<ScheduleSpec> parse_map(const YamlNode& node, const std::string& key_path, const ValueContext& context,
                                      Diagnostics& diagnostics) {
  ScheduleSpec schedule;
  if (node.find("every") != nullptr) {
    const SectionValues values = validate_section(node, every_schema(), key_path, {}, context, diagnostics);
    if (!values.ok) return std::nullopt;
    schedule.kind = ScheduleSpec::Kind::every;
    schedule.every = values.params.get_int("every");
    return schedule;
  }
  if (node.find("first") == nullptr && node.find("logspace") == nullptr) {
    diagnostics.error(node.location, key_path, fmt::format("expected a schedule ({}), got a map", kForms));
    return std::nullopt;
  }
  const SectionValues values = validate_section(node, log_range_schema(), key_path, {"logspace"}, context, diagnostics);
  const YamlNode* logspace = node.find("logspace");
  const std::string logspace_path = child_path(key_path, "logspace");
  std::optional<SectionValues> logspace_values;
  if (logspace == nullptr) {
    diagnostics.error(node.location, key_path, "missing required key 'logspace' (a map {start: x, num: K})");
  } else if (!logspace->is_map()) {
    if (!logspace->invalid) {
      diagnostics.error(logspace->location, logspace_path,
                        fmt::format("expected a map {{start: x, num: K}}, got {}", describe_node(*logspace)));
    }
  } else {
    logspace_values = validate_section(*logspace, logspace_schema(), logspace_path, {}, context, diagnostics);
  }
  if (!values.ok || !logspace_values || !logspace_values->ok) return std::nullopt;
  const auto& first = values.params.get_int_list("first");
  if (first[0] > first[1]) {
    diagnostics.error(node.find("first")->location, child_path(key_path, "first"),
                      fmt::format("expected [a, b] with a <= b, got [{}, {}]", first[0], first[1]));
    return std::nullopt;
  }
  schedule.kind = ScheduleSpec::Kind::log_range;
  schedule.first_begin = first[0];
  schedule.first_end = first[1];
  schedule.log_start = logspace_values->params.get_real("start");
  schedule.log_points = logspace_values->params.get_int("num");
  return schedule;
}

}  // namespace

std::optional<ScheduleSpec> parse_schedule(const YamlNode& node, const std::string& key_path,
                                           const ValueContext& context, Diagnostics& diagnostics,
                                           nlohmann::ordered_json& resolved) {
  if (node.invalid) return std::nullopt;
  std::optional<ScheduleSpec> schedule;
  if (node.is_null()) {
    schedule = ScheduleSpec{};
  } else if (node.is_scalar()) {
    if (node.text == "paper") {
      schedule = ScheduleSpec{};
      schedule->kind = ScheduleSpec::Kind::paper;
    } else if (node.text == "none") {
      schedule = ScheduleSpec{};
    } else {
      diagnostics.error(node.location, key_path,
                        fmt::format("expected a schedule ({}), got {}{}", kForms, describe_node(node),
                                    did_you_mean(node.text, {"paper", "none"})));
    }
  } else if (node.is_sequence()) {
    schedule = parse_list(node, key_path, context, diagnostics);
  } else {
    schedule = parse_map(node, key_path, context, diagnostics);
  }
  if (schedule) resolved = schedule_to_json(*schedule);
  return schedule;
}

nlohmann::ordered_json schedule_to_json(const ScheduleSpec& schedule) {
  using Json = nlohmann::ordered_json;
  switch (schedule.kind) {
    case ScheduleSpec::Kind::none:
      return "none";
    case ScheduleSpec::Kind::paper:
      return "paper";
    case ScheduleSpec::Kind::every:
      return Json{{"every", schedule.every}};
    case ScheduleSpec::Kind::list:
      return schedule.iterations;
    case ScheduleSpec::Kind::log_range: {
      Json result = Json::object();
      result["first"] = Json::array({schedule.first_begin, schedule.first_end});
      result["logspace"] = Json{{"start", schedule.log_start}, {"num", schedule.log_points}};
      return result;
    }
  }
  return "none";
}

}  // namespace thermo::engine
