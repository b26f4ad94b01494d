// The annealing engine on problems with known answers: ground states, restarts, solution
// callbacks, traces, determinism, cancellation, automatic temperatures, option checks.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "anneal/annealer.hpp"
#include "core/error.hpp"
#include "problems.hpp"

using namespace nnsim;
using namespace nnsim::anneal;
using namespace nnsim::anneal::testing;

namespace {
std::vector<int> identity(std::size_t n) {
  std::vector<int> s(n);
  std::iota(s.begin(), s.end(), 0);
  return s;
}

/// Counts, independently of the engine, the visits to zero-energy states: random starts and
/// states reached by an applied move.
struct CountingTable : TablePermutations {
  std::uint64_t* zero_visits = nullptr;
  State random_state(RandomStream& rng) const {
    auto s = TablePermutations::random_state(rng);
    if (energy(s) == 0) ++*zero_visits;
    return s;
  }
  void apply(State& s, const Move& m) const {
    TablePermutations::apply(s, m);
    if (energy(s) == 0) ++*zero_visits;
  }
};
}  // namespace

// 30 elements, energy = inversions (435 at most), subsequence reversals: the automatic
// geometric schedule finds the identity in every one of 20 seeds within 300 000 steps. The
// schedule spreads its cooling over the whole budget, so solutions come late in it (the
// slowest seed needs 249 719 steps).
TEST(Anneal, FindsUniqueGroundStateOfInversionCountInEverySeed) {
  InversionCount problem{30};
  AnnealOptions options;
  options.max_steps = 300000;
  std::uint64_t slowest = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto rng = make_stream(seed, 0x1a, 0, 0);
    const auto result = minimize(problem, options, rng);
    ASSERT_TRUE(result.solved) << "seed " << seed << " best " << result.best_energy;
    EXPECT_EQ(result.best_energy, 0.0);
    EXPECT_EQ(result.best_state, identity(30));
    EXPECT_EQ(result.final_state, identity(30));
    EXPECT_EQ(result.stop_reason, StopReason::kTarget);
    EXPECT_EQ(result.steps_to_solution, result.steps);
    EXPECT_EQ(result.solution_visits, 1u);
    EXPECT_GT(result.initial_temperature, result.final_temperature);
    slowest = std::max(slowest, result.steps_to_solution);
  }
  RecordProperty("slowest_steps_to_solution", static_cast<int>(slowest));
}

TEST(ReplicaExchange, FindsUniqueGroundStateOfInversionCountInEverySeed) {
  InversionCount problem{30};
  AnnealOptions options;
  options.max_steps = 600000;
  options.replica_exchange.replicas = 6;
  options.replica_exchange.steps_per_exchange = 200;
  std::uint64_t slowest = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto rng = make_stream(seed, 0x1b, 0, 0);
    const auto result = minimize(problem, options, rng);
    ASSERT_TRUE(result.solved) << "seed " << seed << " best " << result.best_energy;
    EXPECT_EQ(result.best_state, identity(30));
    EXPECT_EQ(result.ladder.size(), 6u);
    slowest = std::max(slowest, result.steps_to_solution);
    EXPECT_GT(result.swap_acceptance_rate, 0.0) << "seed " << seed;
    EXPECT_LT(result.swap_acceptance_rate, 1.0) << "seed " << seed;
  }
  RecordProperty("slowest_steps_to_solution", static_cast<int>(slowest));
}

// With a full budget and no early stop every neighbour pair of the automatic ladder (T_end to
// T0, 12 rungs, ratio about 1.7 between neighbours) swaps sometimes but not always, and the
// Metropolis acceptance grows with the temperature.
TEST(ReplicaExchange, SwapAcceptanceOfEveryPairIsStrictlyBetweenZeroAndOne) {
  InversionCount problem{30};
  AnnealOptions options;
  options.max_steps = 600000;
  options.stop_at_target = false;
  options.replica_exchange.replicas = 12;
  options.replica_exchange.steps_per_exchange = 50;
  auto rng = make_stream(5, 0x1c, 0, 0);
  const auto result = minimize(problem, options, rng);
  EXPECT_EQ(result.steps, options.max_steps);
  ASSERT_EQ(result.swap_acceptance.size(), 11u);
  for (const double a : result.swap_acceptance) {
    EXPECT_GT(a, 0.0);
    EXPECT_LT(a, 1.0);
  }
  ASSERT_EQ(result.replica_acceptance.size(), 12u);
  for (std::size_t r = 1; r < 12; ++r) EXPECT_GT(result.replica_acceptance[r], result.replica_acceptance[r - 1]);
}

// A run that starts in the wide basin is stuck at E = 1 for good at T = 0.02; restarting after
// 5 levels without improvement finds the narrow basin within the same budget. The same seed
// without restarts does not.
TEST(Anneal, RestartsEscapeADeceptiveLocalMinimum) {
  DeceptiveRing problem;
  AnnealOptions options;
  options.schedule = ConstantSchedule{};
  options.initial_temperature = options.final_temperature = 0.02;
  options.steps_per_temperature = 100;
  options.max_steps = 300000;
  options.restart_after_levels = 5;
  auto rng = make_stream(3, 0x2a, 0, 0);
  const auto with_restarts = minimize(problem, options, rng);
  EXPECT_TRUE(with_restarts.solved);
  EXPECT_EQ(with_restarts.best_state, 0);
  EXPECT_GE(with_restarts.restarts, 1u);
  EXPECT_LT(with_restarts.steps, options.max_steps);
  RecordProperty("restarts", static_cast<int>(with_restarts.restarts));
  RecordProperty("steps_to_solution", static_cast<int>(with_restarts.steps_to_solution));

  options.restart_after_levels = 0;
  auto same = make_stream(3, 0x2a, 0, 0);
  const auto without = minimize(problem, options, same);
  EXPECT_FALSE(without.solved);
  EXPECT_EQ(without.restarts, 0u);
  EXPECT_EQ(without.best_energy, 1.0);
  EXPECT_EQ(without.steps, options.max_steps);
  EXPECT_EQ(without.steps_to_solution, without.steps);  // censored
  EXPECT_EQ(without.stop_reason, StopReason::kBudget);
}

// Restarts that never find a solution stay within the budget, and each restart follows at
// least restart_after_levels levels.
TEST(Anneal, RestartsStayWithinTheBudget) {
  DeceptiveRing problem;
  AnnealOptions options;
  options.schedule = ConstantSchedule{};
  options.initial_temperature = options.final_temperature = 0.02;
  options.steps_per_temperature = 100;
  options.max_steps = 20000;
  options.restart_after_levels = 5;
  options.target_energy = -1;  // unreachable
  auto rng = make_stream(4, 0x2b, 0, 0);
  const auto result = minimize(problem, options, rng);
  EXPECT_EQ(result.steps, options.max_steps);
  EXPECT_GE(result.restarts, 1u);
  EXPECT_LE(result.restarts, options.max_steps / (5 * 100));
}

// on_solution sees every visit to one of the five zero-energy states, as counted by the
// problem itself, and only those; collecting them finds all five.
TEST(Anneal, OnSolutionIsCalledAtEveryVisitToAZeroEnergyState) {
  std::uint64_t counted = 0;
  CountingTable problem;
  problem.zero_visits = &counted;
  AnnealOptions options;
  options.schedule = ConstantSchedule{};
  options.initial_temperature = options.final_temperature = 1.0;
  options.steps_per_temperature = 50;
  options.max_steps = 20000;
  options.stop_at_target = false;
  options.restart_after_levels = 3;  // restarts' random starts are visits too
  options.target_energy = 0.0;
  std::uint64_t calls = 0, last_step = 0;
  std::set<std::size_t> solutions;
  AnnealControl<TablePermutations::State> control;
  control.on_solution = [&](const TablePermutations::State& s, std::uint64_t step) {
    ++calls;
    EXPECT_EQ(problem.energy(s), 0.0);
    EXPECT_GE(step, last_step);
    last_step = step;
    solutions.insert(permutation_rank(s));
  };
  auto rng = make_stream(8, 0x3a, 0, 0);
  const auto result = minimize(problem, options, rng, control);
  EXPECT_GT(calls, 1000u);
  EXPECT_EQ(calls, counted);
  EXPECT_EQ(result.solution_visits, counted);
  EXPECT_GT(result.restarts, 0u);
  EXPECT_EQ(solutions, (std::set<std::size_t>{0, 5, 10, 15, 20}));
  EXPECT_TRUE(result.solved);
  EXPECT_LE(result.steps_to_solution, result.steps);
}

// The trace holds (step, energy) at steps 0, K, 2K, ...; where a level ends on a trace step the
// energy is the level's.
TEST(Anneal, TraceIsSubsampledAsAsked) {
  InversionCount problem{12};
  AnnealOptions options;
  options.max_steps = 9800;  // 140 levels of 70 steps
  options.stop_at_target = false;
  options.steps_per_temperature = 70;
  options.trace_every = 7;
  std::vector<TracePoint> level_ends;
  AnnealControl<InversionCount::State> control;
  control.on_level = [&](const LevelReport& report, const InversionCount::State&) {
    level_ends.push_back({report.step, report.energy});
    return true;
  };
  auto rng = make_stream(9, 0x4a, 0, 0);
  const auto result = minimize(problem, options, rng, control);
  ASSERT_EQ(result.trace.size(), 9800u / 7 + 1);
  ASSERT_EQ(level_ends.size(), 140u);
  for (std::size_t k = 0; k < result.trace.size(); ++k) {
    EXPECT_EQ(result.trace[k].step, 7 * k);
    EXPECT_GE(result.trace[k].energy, result.best_energy);
  }
  for (const auto& end : level_ends) {
    ASSERT_EQ(end.step % 7, 0u);
    EXPECT_EQ(result.trace[end.step / 7], end);
  }
  options.trace_every = 0;
  auto rng2 = make_stream(9, 0x4a, 0, 0);
  EXPECT_TRUE(minimize(problem, options, rng2).trace.empty());
}

// The same stream gives the same result bit for bit; another seed a different one.
TEST(Anneal, SameStreamGivesSameResult) {
  InversionCount problem{30};
  for (const std::size_t replicas : {std::size_t{1}, std::size_t{4}}) {
    AnnealOptions options;
    options.max_steps = 50000;
    options.schedule = AdaptiveSchedule{};
    options.stop_at_target = false;
    options.trace_every = 100;
    options.replica_exchange.replicas = replicas;
    if (replicas == 1) options.restart_after_levels = 10;
    auto first = make_stream(17, 0x5a, 0, 0);
    auto second = make_stream(17, 0x5a, 0, 0);
    auto other = make_stream(18, 0x5a, 0, 0);
    const auto a = minimize(problem, options, first);
    const auto b = minimize(problem, options, second);
    const auto c = minimize(problem, options, other);
    EXPECT_EQ(a.trace, b.trace);
    EXPECT_EQ(a.best_state, b.best_state);
    EXPECT_EQ(a.final_state, b.final_state);
    EXPECT_EQ(a.steps, b.steps);
    EXPECT_EQ(a.accepted, b.accepted);
    EXPECT_EQ(a.restarts, b.restarts);
    EXPECT_EQ(a.initial_temperature, b.initial_temperature);
    EXPECT_EQ(a.swap_acceptance, b.swap_acceptance);
    EXPECT_EQ(first.position(), second.position());
    EXPECT_NE(a.trace, c.trace);
  }
}

TEST(Anneal, CancellationThrows) {
  InversionCount problem{30};
  AnnealOptions options;
  options.max_steps = 10'000'000;
  options.stop_at_target = false;
  options.steps_per_temperature = 100;
  std::atomic<bool> cancel{true};
  AnnealControl<InversionCount::State> control;
  control.cancel = &cancel;
  auto rng = make_stream(1, 0x6a, 0, 0);
  EXPECT_THROW(minimize(problem, options, rng, control), Cancelled);

  // Raised during the run: noticed within kCancelPollSteps steps.
  cancel = false;
  std::uint64_t last_level_step = 0;
  control.on_level = [&](const LevelReport& report, const InversionCount::State&) {
    last_level_step = report.step;
    if (report.level == 2) cancel = true;
    return true;
  };
  for (const std::size_t replicas : {std::size_t{1}, std::size_t{3}}) {
    options.replica_exchange.replicas = replicas;
    cancel = false;
    EXPECT_THROW(minimize(problem, options, rng, control), Cancelled);
    EXPECT_LE(last_level_step, kCancelPollSteps + 3 * options.replica_exchange.steps_per_exchange);
  }
}

TEST(Anneal, OnLevelReturningFalseStops) {
  InversionCount problem{30};
  AnnealOptions options;
  options.steps_per_temperature = 100;
  AnnealControl<InversionCount::State> control;
  control.on_level = [](const LevelReport& report, const InversionCount::State&) { return report.level < 4; };
  auto rng = make_stream(1, 0x6b, 0, 0);
  const auto result = minimize(problem, options, rng, control);
  EXPECT_EQ(result.stop_reason, StopReason::kCallback);
  EXPECT_EQ(result.levels, 5u);
  EXPECT_EQ(result.steps, 500u);
}

// Every move of the parity ring changes H by c: T0 = c / ln(1 / 0.8), T_end = c / ln(1000).
TEST(Anneal, AutomaticTemperaturesFromSampledChanges) {
  ParityRing problem{0.3};
  AnnealOptions options;
  options.max_steps = 1000;
  options.stop_at_target = false;
  auto rng = make_stream(1, 0x7a, 0, 0);
  const auto estimate = estimate_temperatures(problem, options, rng);
  EXPECT_EQ(estimate.samples, 1000u);
  EXPECT_EQ(estimate.nonzero, 1000u);
  EXPECT_NEAR(estimate.initial_temperature, 0.3 / std::log(1 / 0.8), 1e-12);  // a mean of 1000 copies of 0.3
  EXPECT_DOUBLE_EQ(estimate.final_temperature, 0.3 / std::log(1000.0));
  const auto result = minimize(problem, options, rng);
  EXPECT_DOUBLE_EQ(result.initial_temperature, estimate.initial_temperature);
  EXPECT_DOUBLE_EQ(result.final_temperature, estimate.final_temperature);
  // A flat energy gives the documented fallback.
  const auto flat = temperatures_from_changes({0.0, 0.0}, 0.8, 1e-3, 1e-9);
  EXPECT_EQ(flat.nonzero, 0u);
  EXPECT_EQ(flat.initial_temperature, 1.0);
}

TEST(Anneal, BadOptionsAreRejectedNamingTheOption) {
  InversionCount problem{5};
  auto expect_rejected = [&](const AnnealOptions& options, const std::string& name) {
    auto rng = make_stream(1, 0, 0, 0);
    try {
      (void)minimize(problem, options, rng);
      ADD_FAILURE() << "accepted bad " << name;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  AnnealOptions o;
  o.steps_per_temperature = 0;
  expect_rejected(o, "steps_per_temperature");
  o = {};
  o.initial_temperature = -1;
  expect_rejected(o, "initial_temperature");
  o = {};
  o.initial_temperature = 1;
  o.final_temperature = 2;
  expect_rejected(o, "final_temperature");
  o = {};
  o.initial_acceptance = 1;
  expect_rejected(o, "initial_acceptance");
  o = {};
  o.schedule = GeometricSchedule(1.5);
  expect_rejected(o, "geometric cooling factor");
  o = {};
  o.replica_exchange.replicas = 3;
  o.replica_exchange.temperatures = {1, 2};
  expect_rejected(o, "replica_exchange.temperatures");
  o.replica_exchange.temperatures = {1, 3, 2};
  expect_rejected(o, "ascending");
  o.replica_exchange.temperatures = {};
  o.restart_after_levels = 4;
  expect_rejected(o, "restart_after_levels");
  o = {};
  o.replica_exchange.replicas = 0;
  expect_rejected(o, "replica_exchange.replicas");
}
