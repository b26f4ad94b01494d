// Suspending and resuming annealing runs (annealer.hpp: AnnealControl::suspend / resume) on the
// double-digest problem, through nnsim-digest's byte encoding of the state (apps/digest,
// suspend.cpp): a run stopped at several points and continued each time from the decoded bytes
// ends with exactly the result of the uninterrupted run, for simulated annealing (geometric,
// adaptive with restarts, a level boundary at the stop) and replica exchange (with the exact
// window move, a segment boundary at the stop).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "anneal/annealer.hpp"
#include "anneal/digest.hpp"
#include "core/error.hpp"
#include "digest.hpp"

using namespace nnsim;
using namespace nnsim::anneal;

namespace {

struct Stop {
  std::vector<unsigned char> bytes;
};

struct Case {
  const char* name;
  Schedule schedule;
  std::uint64_t steps_per_temperature;
  std::uint64_t restart_after;
  std::size_t replicas;
  std::uint64_t steps_per_exchange;
  DigestMoveMix mix;
  bool stop_at_target;
};

void expect_same(const AnnealResult<DigestState>& a, const AnnealResult<DigestState>& b) {
  auto same_state = [](const DigestState& x, const DigestState& y) {
    return x.sigma == y.sigma && x.mu == y.mu && x.a_positions == y.a_positions && x.b_positions == y.b_positions &&
           x.pieces == y.pieces;
  };
  auto bits = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  EXPECT_TRUE(same_state(a.best_state, b.best_state));
  EXPECT_TRUE(same_state(a.final_state, b.final_state));
  EXPECT_TRUE(bits(a.best_energy, b.best_energy));
  EXPECT_TRUE(bits(a.final_energy, b.final_energy));
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.accepted, b.accepted);
  EXPECT_TRUE(bits(a.acceptance_rate, b.acceptance_rate));
  EXPECT_EQ(a.levels, b.levels);
  EXPECT_EQ(a.restarts, b.restarts);
  EXPECT_EQ(a.solved, b.solved);
  EXPECT_EQ(a.steps_to_solution, b.steps_to_solution);
  EXPECT_EQ(a.solution_visits, b.solution_visits);
  EXPECT_EQ(a.stop_reason, b.stop_reason);
  EXPECT_TRUE(bits(a.initial_temperature, b.initial_temperature));
  EXPECT_TRUE(bits(a.final_temperature, b.final_temperature));
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.ladder, b.ladder);
  EXPECT_EQ(a.replica_acceptance, b.replica_acceptance);
  EXPECT_EQ(a.swap_acceptance, b.swap_acceptance);
  EXPECT_TRUE(bits(a.swap_acceptance_rate, b.swap_acceptance_rate));
}

}  // namespace

TEST(DigestSuspend, StoppedAndResumedRunsEndBitForBitLikeUninterruptedOnes) {
  RandomStream instance_rng(17, 1, 0, 0);
  const auto instance = planted_instance("planted8", 20000, 8, 8, instance_rng).instance;
  DigestMoveMix window = DigestMoveMix{0.4, 0.2, 0.2};
  window.window = 0.2;
  window.window_size = 4;
  const std::vector<Case> cases = {
      {"geometric", GeometricSchedule{}, 1000, 0, 1, 100, DigestMoveMix{}, false},
      {"adaptive+restarts", AdaptiveSchedule{}, 300, 4, 1, 100, DigestMoveMix{}, false},
      {"level boundary", LinearSchedule{}, 1024, 0, 1, 100, DigestMoveMix{}, true},
      {"replica exchange", GeometricSchedule{}, 1000, 0, 4, 100, window, false},
      {"segment boundary", GeometricSchedule{}, 1000, 0, 3, 1024, DigestMoveMix{}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const DoubleDigest problem(instance, c.mix, DigestEnergy::unmatched);
    AnnealOptions options;
    options.schedule = c.schedule;
    options.steps_per_temperature = c.steps_per_temperature;
    options.max_steps = 120'000;
    options.restart_after_levels = c.restart_after;
    options.stop_at_target = c.stop_at_target;
    options.trace_every = 700;
    options.replica_exchange.replicas = c.replicas;
    options.replica_exchange.steps_per_exchange = c.steps_per_exchange;
    RandomStream reference_rng(3, 99, 0, 0);
    const auto reference = minimize(problem, options, reference_rng);

    // Stop at three points (the flag is set at the end of a level past each threshold; the
    // engine halts at the next poll), continuing each time from the decoded bytes.
    const std::vector<std::uint64_t> thresholds = {9'000, 40'000, 41'000};
    std::vector<unsigned char> saved;
    digest_app::TaskState state;
    std::uint64_t suspensions = 0;
    AnnealResult<DigestState> result;
    for (std::size_t piece = 0; piece <= thresholds.size(); ++piece) {
      std::atomic<bool> cancel{false};
      std::uint64_t first_report_step = 0;
      AnnealControl<DigestState> control;
      control.cancel = &cancel;
      control.on_level = [&](const LevelReport& report, const DigestState&) {
        if (first_report_step == 0) first_report_step = report.step;
        if (piece < thresholds.size() && report.step >= thresholds[piece]) cancel = true;
        return true;
      };
      control.suspend = [](const AnnealSnapshot<DigestState>& snapshot) {
        digest_app::TaskState t;
        t.snapshot = snapshot;
        t.seconds = 1.5;
        throw Stop{digest_app::encode_task_state(t)};
      };
      std::uint64_t resumed_from = 0;
      if (!saved.empty()) {
        state = digest_app::decode_task_state(saved);
        EXPECT_EQ(state.seconds, 1.5);
        control.resume = &state.snapshot;
        resumed_from = state.snapshot.result.steps;
      }
      RandomStream rng(3, 99, 0, 0);  // a fresh stream: the engine seeks to the saved position
      try {
        result = minimize(problem, options, rng, control);
        saved.clear();
        break;
      } catch (const Stop& stop) {
        ++suspensions;
        saved = stop.bytes;
      }
      // The resumed piece continued: its first level ended no earlier than the steps already done
      // (>= 4096, the first poll), where a run started afresh would end its first level.
      if (resumed_from > 0 && first_report_step > 0) {
        EXPECT_GE(first_report_step, resumed_from);
      }
    }
    EXPECT_TRUE(saved.empty()) << "the run never finished";
    EXPECT_GE(suspensions, c.stop_at_target ? 1u : 2u);  // a run that stops at its solution may end sooner
    expect_same(result, reference);
  }
}

// Bytes that are not a suspended nnsim-digest run are refused, not misread.
TEST(DigestSuspend, ForeignOrDamagedBytesAreRefused) {
  digest_app::TaskState t;
  t.snapshot.states.resize(2);
  auto bytes = digest_app::encode_task_state(t);
  EXPECT_NO_THROW(digest_app::decode_task_state(bytes));
  auto truncated = bytes;
  truncated.pop_back();
  EXPECT_THROW(digest_app::decode_task_state(truncated), std::runtime_error);
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_THROW(digest_app::decode_task_state(trailing), std::runtime_error);
  auto foreign = bytes;
  foreign[0] ^= 1;
  EXPECT_THROW(digest_app::decode_task_state(foreign), std::runtime_error);
}

// A snapshot of one kind of run does not resume another.
TEST(DigestSuspend, ASnapshotOfAnotherKindOfRunIsRefused) {
  RandomStream instance_rng(17, 1, 0, 0);
  const DoubleDigest problem(planted_instance("p", 5000, 5, 5, instance_rng).instance);
  AnnealOptions options;
  options.max_steps = 20'000;
  AnnealSnapshot<DigestState> snapshot;  // annealing expects one chain
  AnnealControl<DigestState> control;
  control.resume = &snapshot;
  RandomStream rng(1, 2, 3, 4);
  EXPECT_THROW(minimize(problem, options, rng, control), std::invalid_argument);
  options.replica_exchange.replicas = 3;
  EXPECT_THROW(minimize(problem, options, rng, control), std::invalid_argument);
}
