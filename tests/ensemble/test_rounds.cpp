// Adaptive rounds (ensemble/rounds.hpp) on a synthetic task. Runs under mpiexec -n 1, 2 and 3
// (see CMakeLists.txt); every comparison is against a serial replay computed inside the test.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/rng.hpp"
#include "ensemble/rounds.hpp"
#include "ensemble/stop.hpp"

using namespace nnsim;

namespace {

int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

/// The log prints on rank 0 only, as in a driver.
class LogOnRankZero : public ::testing::Environment {
 public:
  void SetUp() override { log::set_rank(rank()); }
};
[[maybe_unused]] const auto* const g_log_environment = ::testing::AddGlobalTestEnvironment(new LogOnRankZero);

constexpr std::uint64_t kSeed = 20240607;
constexpr std::int64_t kSizes[] = {100, 10000};

/// The known crossing of the synthetic success probability at size N.
double true_crossing(std::int64_t n) { return 0.14 + 0.2 / std::sqrt(static_cast<double>(n)); }

std::atomic<std::uint64_t> g_calls{0};

/// One task: success (0/1) with probability Phi((x_c(N) - x) / 0.01), and the raw uniform drawn,
/// from the stream of (seed, point key, sample): any mix-up of points or samples shows.
std::vector<double> synthetic_task(const RoundPoint& point, std::uint64_t sample, const CancelFlag&) {
  ++g_calls;
  const double x = point.reals.at(0);
  const std::int64_t n = point.integers.at(0);
  auto rng = make_stream(kSeed, point.key, sample, 0);
  const double u = rng.uniform();
  const double p = 0.5 * std::erfc(-(true_crossing(n) - x) / 0.01 / std::sqrt(2.0));
  return {u < p ? 1.0 : 0.0, u};
}

TaskBlock block_at(std::int64_t n, double x, std::uint64_t first_sample, std::uint64_t count) {
  TaskBlock block;
  block.point.key = PointKey("test/rounds").add("N", n).add("x", x).value();
  block.point.reals = {x};
  block.point.integers = {n};
  block.first_sample = first_sample;
  block.count = count;
  block.cost = static_cast<double>(n) * static_cast<double>(n);  // costs differ by 10^4
  return block;
}

struct Tally {
  double x = 0;
  std::uint64_t successes = 0, trials = 0, next_sample = 0;
  double fraction() const { return static_cast<double>(successes) / static_cast<double>(trials); }
};

/// Per size, the tallies of every x probed so far (pooled over rounds), by x.
std::map<std::int64_t, std::map<double, Tally>> tally(const RoundsHistory& history) {
  std::map<std::int64_t, std::map<double, Tally>> out;
  for (const auto& done : history) {
    std::size_t task = 0;
    for (const auto& block : done.round.blocks) {
      auto& t = out[block.point.integers[0]][block.point.reals[0]];
      t.x = block.point.reals[0];
      for (std::uint64_t k = 0; k < block.count; ++k, ++task) t.successes += done.values[2 * task] != 0 ? 1u : 0u;
      t.trials += block.count;
      t.next_sample = std::max(t.next_sample, block.first_sample + block.count);
    }
  }
  return out;
}

/// The bracket [lo, hi] around the 0.5 crossing of the pooled fractions, and the interpolated
/// crossing inside it.
struct Bracket {
  const Tally* lo = nullptr;
  const Tally* hi = nullptr;
  double crossing = 0;
};
Bracket bracket_of(const std::map<double, Tally>& by_x) {
  Bracket b;
  const Tally* previous = nullptr;
  for (const auto& [x, t] : by_x) {
    if (t.fraction() < 0.5) {
      b.lo = previous ? previous : &t;
      b.hi = &t;
      break;
    }
    previous = &t;
  }
  if (!b.hi) b.lo = b.hi = previous;
  const double f_lo = b.lo->fraction(), f_hi = b.hi->fraction();
  b.crossing = f_lo == f_hi ? 0.5 * (b.lo->x + b.hi->x) : b.lo->x + (f_lo - 0.5) / (f_lo - f_hi) * (b.hi->x - b.lo->x);
  return b;
}

constexpr std::size_t kMaxRounds = 5;
constexpr double kTargetWidth = 0.002;

/// Bisection of the crossing for both sizes side by side: a coarse bracket first, then two new
/// points inside each size's bracket and more samples at its ends, until the bracket is narrow
/// or kMaxRounds rounds ran. A function of the history alone.
std::optional<Round> bisection_planner(const RoundsHistory& history) {
  if (history.empty()) {
    Round round;
    round.label = "bracket";
    for (const auto n : kSizes) {
      for (const double x : {0.05, 0.10, 0.15, 0.20, 0.25}) round.blocks.push_back(block_at(n, x, 0, 32));
    }
    return round;
  }
  if (history.size() >= kMaxRounds) return std::nullopt;
  Round round;
  round.label = "refine";
  for (const auto& [n, by_x] : tally(history)) {
    const auto b = bracket_of(by_x);
    const double width = b.hi->x - b.lo->x;
    if (width < kTargetWidth) continue;
    for (const double x : {b.crossing - width / 4, b.crossing + width / 4}) {
      const double inside = std::clamp(x, b.lo->x + width / 8, b.hi->x - width / 8);
      const auto known = by_x.find(inside);
      round.blocks.push_back(block_at(n, inside, known == by_x.end() ? 0 : known->second.next_sample, 48));
    }
    round.blocks.push_back(block_at(n, b.lo->x, b.lo->next_sample, 16));
    round.blocks.push_back(block_at(n, b.hi->x, b.hi->next_sample, 16));
  }
  if (round.blocks.empty()) return std::nullopt;
  return round;
}

/// The reference: the same planner and tasks, one after another, without MPI or threads.
RoundsHistory serial_replay() {
  RoundsHistory history;
  CancelFlag never{false};
  while (auto round = bisection_planner(history)) {
    CompletedRound done{*round, {}};
    for (const auto& block : round->blocks) {
      for (std::uint64_t s = block.first_sample; s < block.first_sample + block.count; ++s) {
        const auto v = synthetic_task(block.point, s, never);
        done.values.insert(done.values.end(), v.begin(), v.end());
      }
    }
    history.push_back(std::move(done));
  }
  return history;
}

RoundsSpec make_spec() {
  RoundsSpec spec;
  spec.observables = {"success", "uniform"};
  spec.run = synthetic_task;
  spec.plan = bisection_planner;
  return spec;
}

RoundsControl make_control(int threads, const std::string& checkpoint = "") {
  RoundsControl control;
  control.run.threads = threads;
  control.run.progress = false;
  control.run.checkpoint_path = checkpoint;
  control.run.parameters_json = "{\"seed\":20240607,\"test\":\"rounds\"}";
  control.run.git_commit = "test";
  return control;
}

std::string scratch_file(const std::string& name) {
  long pid = rank() == 0 ? static_cast<long>(::getpid()) : 0;  // same path on every rank
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const auto dir = std::filesystem::temp_directory_path() / ("nnsim_test_rounds_" + std::to_string(pid));
  if (rank() == 0) std::filesystem::create_directories(dir);
  MPI_Barrier(MPI_COMM_WORLD);
  return (dir / name).string();
}

std::uint64_t calls_on_all_ranks() {
  std::uint64_t calls = g_calls, total = 0;
  MPI_Allreduce(&calls, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

const RoundsHistory& reference() {
  static const RoundsHistory history = serial_replay();
  return history;
}

std::uint64_t tasks_of(const RoundsHistory& history) {
  std::uint64_t n = 0;
  for (const auto& done : history) n += done.round.num_tasks();
  return n;
}

}  // namespace

// The planner does what the other tests rely on: several rounds, both sizes, a found crossing.
TEST(Rounds, ReferenceBisectionFindsTheCrossings) {
  const auto& history = reference();
  ASSERT_GE(history.size(), 3u);
  ASSERT_LE(history.size(), kMaxRounds);
  for (const auto& [n, by_x] : tally(history)) {
    // The interpolated crossing is within one width of the sigmoid (0.01) of the true one.
    EXPECT_NEAR(bracket_of(by_x).crossing, true_crossing(n), 0.01) << "N = " << n;
  }
}

class RoundsThreads : public ::testing::TestWithParam<int> {};

// Same rounds and bitwise the same values on 1, 2, 3 ranks and 1 or 2 threads as the serial replay.
TEST_P(RoundsThreads, HistoryIdenticalToSerialReplay) {
  reference();  // computed before the calls are counted
  g_calls = 0;
  const auto result = run_rounds(make_spec(), make_control(GetParam()), MPI_COMM_WORLD);
  EXPECT_TRUE(result.complete);
  EXPECT_EQ(calls_on_all_ranks(), tasks_of(reference())) << "every task runs exactly once";
  if (rank() == 0) {
    EXPECT_EQ(result.history.size(), reference().size());
    EXPECT_EQ(history_digest(result.history), history_digest(reference()));
    EXPECT_TRUE(result.history == reference());
    EXPECT_EQ(result.tasks_run, tasks_of(reference()));
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, RoundsThreads, ::testing::Values(1, 2));

// A stop in the middle of round 2 leaves the history of rounds 0-1 and the partial round 2;
// the resumed run computes only the missing tasks and ends with the identical history.
TEST(Rounds, StopMidRoundThenResumeGivesIdenticalHistory) {
  const auto& ref = reference();
  const std::uint64_t before = ref[0].round.num_tasks() + ref[1].round.num_tasks();
  const std::uint64_t stop_after = before + ref[2].round.num_tasks() / 2;
  const auto checkpoint = scratch_file("mid.rounds.h5");
  auto control = make_control(2, checkpoint);
  control.run.stop_after_tasks = stop_after;
  g_calls = 0;
  const auto first = run_rounds(make_spec(), control, MPI_COMM_WORLD);
  EXPECT_FALSE(first.complete);
  EXPECT_NE(first.stop_reason.find("stop_after_tasks"), std::string::npos) << first.stop_reason;
  const std::uint64_t first_calls = calls_on_all_ranks();
  if (rank() == 0) {
    EXPECT_EQ(first.checkpoint_written, checkpoint);
    ASSERT_EQ(first.history.size(), 2u);
    EXPECT_GE(first.tasks_run, stop_after);
    EXPECT_LT(first.tasks_run, before + ref[2].round.num_tasks());
    const auto saved = load_rounds_checkpoint(checkpoint);
    EXPECT_TRUE(saved.history == first.history);
    const auto partial = load_checkpoint(round_checkpoint_path(checkpoint));
    EXPECT_EQ(partial.task_ids.size(), first.tasks_run - before);
    EXPECT_EQ(partial.num_points, ref[2].round.num_tasks());
  }
  auto again = make_control(1, checkpoint);
  again.resume = true;
  g_calls = 0;
  const auto second = run_rounds(make_spec(), again, MPI_COMM_WORLD);
  EXPECT_TRUE(second.complete);
  const std::uint64_t second_calls = calls_on_all_ranks();
  EXPECT_EQ(first_calls + second_calls, tasks_of(ref)) << "no task runs twice across the stop";
  if (rank() == 0) {
    EXPECT_EQ(second.rounds_resumed, 2u);
    EXPECT_EQ(second.tasks_resumed, first.tasks_run);
    EXPECT_EQ(history_digest(second.history), history_digest(ref));
    EXPECT_TRUE(second.history == ref);
    EXPECT_FALSE(std::filesystem::exists(round_checkpoint_path(checkpoint))) << "the finished round file is removed";
    EXPECT_TRUE(load_rounds_checkpoint(checkpoint).history == ref);
  }
}

// NNSIM_STOP_AFTER_TASKS counts the tasks of all rounds of a run: stopping every 150 tasks, at
// round boundaries and inside rounds, and resuming each time still gives the identical history.
TEST(Rounds, RepeatedStopsThroughTheEnvironmentTrigger) {
  reference();  // computed before the calls are counted
  const auto checkpoint = scratch_file("env.rounds.h5");
  ::setenv("NNSIM_STOP_AFTER_TASKS", "150", 1);
  RoundsResult result;
  int runs = 0;
  g_calls = 0;
  for (bool resume = false; runs < 30; resume = true) {
    auto control = make_control(2, checkpoint);
    control.resume = resume;
    result = run_rounds(make_spec(), control, MPI_COMM_WORLD);
    ++runs;
    if (result.complete) break;
    EXPECT_NE(result.stop_reason.find("150"), std::string::npos) << result.stop_reason;
  }
  ::unsetenv("NNSIM_STOP_AFTER_TASKS");
  ASSERT_TRUE(result.complete);
  EXPECT_GE(static_cast<std::uint64_t>(runs), tasks_of(reference()) / 150 - 1);
  EXPECT_EQ(calls_on_all_ranks(), tasks_of(reference())) << "no task runs twice across the stops";
  if (rank() == 0) {
    EXPECT_TRUE(result.history == reference());
  }
}

// A checkpoint of other parameters is refused on every rank, and so is a missing one.
TEST(Rounds, ResumeRefusesCheckpointOfOtherParameters) {
  const auto checkpoint = scratch_file("other.rounds.h5");
  auto control = make_control(1, checkpoint);
  control.run.stop_after_tasks = reference()[0].round.num_tasks() + 10;
  const auto first = run_rounds(make_spec(), control, MPI_COMM_WORLD);
  ASSERT_FALSE(first.complete);
  auto other = make_control(1, checkpoint);
  other.run.parameters_json = "{\"seed\":1,\"test\":\"rounds\"}";
  other.resume = true;
  EXPECT_THROW(run_rounds(make_spec(), other, MPI_COMM_WORLD), UsageError);
  auto missing = make_control(1, scratch_file("missing.rounds.h5"));
  missing.resume = true;
  EXPECT_THROW(run_rounds(make_spec(), missing, MPI_COMM_WORLD), UsageError);
  // The refused attempts changed nothing: the right parameters still resume to the reference.
  auto same = make_control(1, checkpoint);
  same.resume = true;
  const auto resumed = run_rounds(make_spec(), same, MPI_COMM_WORLD);
  EXPECT_TRUE(resumed.complete);
  if (rank() == 0) {
    EXPECT_TRUE(resumed.history == reference());
  }
}

// A round that repeats samples the history already has is refused, on every rank.
TEST(Rounds, RepeatedSamplesAreRefused) {
  auto spec = make_spec();
  spec.plan = [](const RoundsHistory& history) -> std::optional<Round> {
    Round round;
    round.blocks.push_back(block_at(100, 0.1, history.empty() ? 0 : 5, 8));
    return round;
  };
  EXPECT_THROW(run_rounds(spec, make_control(1), MPI_COMM_WORLD), UsageError);
}

// A planner that throws ends every rank alike instead of leaving some waiting for a round.
TEST(Rounds, FailingPlannerEndsEveryRank) {
  auto spec = make_spec();
  spec.plan = [](const RoundsHistory& history) -> std::optional<Round> {
    if (history.size() == 1) throw std::runtime_error("planner bug");
    return bisection_planner(history);
  };
  EXPECT_THROW(run_rounds(spec, make_control(1), MPI_COMM_WORLD), std::runtime_error);
}

// The history file reads back exactly, with and without rounds.
TEST(Rounds, HistoryFileRoundTrip) {
  const auto path = scratch_file("roundtrip.rounds.h5");  // collective
  if (rank() != 0) return;
  RoundsCheckpoint c{"{\"a\":1}", "abc", {"success", "uniform"}, {1, 1}, reference()};
  save_rounds_checkpoint(path, c);
  const auto loaded = load_rounds_checkpoint(path);
  EXPECT_EQ(loaded.parameters_json, c.parameters_json);
  EXPECT_EQ(loaded.git_commit, c.git_commit);
  EXPECT_EQ(loaded.observables, c.observables);
  EXPECT_EQ(loaded.widths, c.widths);
  EXPECT_TRUE(loaded.history == c.history);
  RoundsCheckpoint empty{"{}", "abc", {"success"}, {1}, {}};
  save_rounds_checkpoint(path, empty);
  EXPECT_TRUE(load_rounds_checkpoint(path).history.empty());
}
