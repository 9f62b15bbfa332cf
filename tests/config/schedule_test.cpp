// Schedules: every form fills ScheduleSpec; the defaults are paper (log) and none (checkpoints);
// the iterations a form expands to, and the cursor the trainer walks them with.
#include "run/schedule.hpp"
#include "config_test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

using Kind = thermo::engine::ScheduleSpec::Kind;
using thermo::engine::ScheduleSpec;

namespace {
const char* const kTrained =
    "thermo: 1\nname: s\nmodel: {plugin: convnet}\noptimizer: {plugin: sphere_sgd, elr: 0.1}\ntrain: {iters: 50000}\n";

ScheduleSpec log_schedule(const std::string& value) {
  return thermo::testing::load_text(kTrained, {"train.log=" + value}).train->log;
}
}  // namespace

TEST_CASE("schedules default to paper for logging and none for checkpoints") {
  const auto train = thermo::testing::load_text(kTrained).train.value();
  CHECK(train.log.kind == Kind::paper);
  CHECK(train.checkpoints.kind == Kind::none);
  CHECK(train.iterations == 50000);
  CHECK(train.batch_size == 128);
  CHECK(train.sampler == "iid");
  CHECK(train.seed == 1);
}

TEST_CASE("each schedule form fills its fields") {
  CHECK(log_schedule("paper").kind == Kind::paper);
  CHECK(log_schedule("none").kind == Kind::none);
  CHECK(log_schedule("null").kind == Kind::none);
  const auto every = log_schedule("{every: 25}");
  CHECK(every.kind == Kind::every);
  CHECK(every.every == 25);
  const auto list = log_schedule("[100, 0, 5, 100]");
  CHECK(list.kind == Kind::list);
  CHECK(list.iterations == std::vector<std::int64_t>{0, 5, 100});
  const auto toy = log_schedule("{first: [1, 99], logspace: {start: 2, num: 401}}");
  CHECK(toy.kind == Kind::log_range);
  CHECK(toy.first_begin == 1);
  CHECK(toy.first_end == 99);
  CHECK(toy.log_start == 2.0);
  CHECK(toy.log_points == 401);
}

TEST_CASE("schedule mistakes are reported at the schedule") {
  CHECK(thermo::testing::text_errors(kTrained, {"train.checkpoints=papr"}) ==
        "command line:1:19: error: train.checkpoints: expected a schedule (paper, none, a list of iterations, "
        "{every: N} or {first: [a, b], logspace: {start: x, num: K}}), got \"papr\" (did you mean 'paper'?)\n");
  CHECK(thermo::testing::text_errors(kTrained, {"train.log={every: 10, first: [1, 2]}"}) ==
        "command line:1:23: error: train.log: unknown key 'first'; known: every\n");
  CHECK(thermo::testing::text_errors(kTrained, {"train.log={logspace: {start: 1, num: 0}, first: [0]}"}) ==
        "command line:1:38: error: train.log.logspace.num: expected integer >= 1, got 0\n"
        "command line:1:49: error: train.log.first: expected integer list (each) >= 0 of exactly 2 elements, got a "
        "list of 1 element\n");
}

TEST_CASE("a schedule expands to sorted iterations that its cursor walks") {
  using thermo::engine::ScheduleCursor;
  using thermo::engine::ScheduleRole;
  const auto every = thermo::engine::schedule_iterations(log_schedule("{every: 16}"), 50, ScheduleRole::log);
  CHECK(every == std::vector<std::int64_t>{0, 16, 32, 48, 50});
  const auto list = thermo::engine::schedule_iterations(log_schedule("[70, 5, 5, 0]"), 60, ScheduleRole::log);
  CHECK(list == std::vector<std::int64_t>{0, 5});  // sorted, unique, none past the run

  ScheduleCursor cursor(every);
  CHECK(cursor.next_at_or_after(17) == 32);
  CHECK(cursor.contains(32));
  CHECK_FALSE(cursor.contains(33));
  CHECK(cursor.next_at_or_after(51) == -1);
  CHECK(cursor.contains(16));  // asked backwards: the cursor rescans from the start
  // includes gives contains' answers from wherever the cursor stands, without moving it.
  const ScheduleCursor& fixed = cursor;
  for (std::int64_t iteration = -1; iteration <= 52; ++iteration) {
    const bool expected = std::find(every.begin(), every.end(), iteration) != every.end();
    CHECK(fixed.includes(iteration) == expected);
  }
  CHECK(cursor.next_at_or_after(17) == 32);
}
