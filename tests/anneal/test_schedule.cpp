// Cooling schedules and the permutation proposal policies.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "anneal/annealer.hpp"
#include "anneal/moves.hpp"
#include "anneal/schedule.hpp"
#include "core/error.hpp"
#include "problems.hpp"

using namespace nnsim;
using namespace nnsim::anneal;
using namespace nnsim::anneal::testing;

namespace {
template <CoolingSchedule S>
std::vector<double> temperatures(S schedule, ScheduleStart start, std::size_t levels) {
  std::vector<double> t{schedule.start(start)};
  for (std::uint64_t k = 0; k + 1 < levels; ++k) t.push_back(schedule.next({k, t.back(), 100, 50}));
  return t;
}
}  // namespace

TEST(Schedule, GeometricWithAGivenFactorStopsAtTheFloor) {
  const auto t = temperatures(GeometricSchedule(0.5), {8.0, 1.5, 100}, 6);
  EXPECT_EQ(t, (std::vector<double>{8, 4, 2, 1.5, 1.5, 1.5}));
}

TEST(Schedule, GeometricWithoutFactorReachesTheFinalTemperatureAtTheLastLevel) {
  const auto t = temperatures(GeometricSchedule{}, {10.0, 0.1, 11}, 11);
  for (std::size_t k = 0; k < t.size(); ++k)
    EXPECT_NEAR(t[k], 10.0 * std::pow(0.01, static_cast<double>(k) / 10.0), 1e-12) << k;
  EXPECT_NEAR(t.back(), 0.1, 1e-12);
}

TEST(Schedule, LinearIsEvenlySpacedFromT0ToTEnd) {
  const auto t = temperatures(LinearSchedule{}, {5.0, 1.0, 5}, 7);
  EXPECT_EQ(t, (std::vector<double>{5, 4, 3, 2, 1, 1, 1}));
  const auto fixed = temperatures(LinearSchedule(3), {3.0, 1.0, 100}, 4);
  EXPECT_EQ(fixed, (std::vector<double>{3, 2, 1, 1}));
}

TEST(Schedule, ConstantHoldsT0AndRestartsRestartTheSchedule) {
  EXPECT_EQ(temperatures(ConstantSchedule{}, {0.7, 0.1, 10}, 3), (std::vector<double>{0.7, 0.7, 0.7}));
  Schedule any = GeometricSchedule(0.5);
  EXPECT_EQ(any.name(), "geometric");
  EXPECT_EQ(temperatures(any, {4.0, 0.1, 10}, 3), (std::vector<double>{4, 2, 1}));
  EXPECT_EQ(temperatures(any, {4.0, 0.1, 10}, 3), (std::vector<double>{4, 2, 1}));
}

TEST(Schedule, NamesRoundTripAndUnknownNamesAreRejected) {
  for (const std::string name : {"geometric", "linear", "adaptive", "constant"}) {
    EXPECT_EQ(schedule_from_name(name).name(), name);
  }
  EXPECT_THROW(schedule_from_name("exponential"), UsageError);
  EXPECT_THROW(Schedule(AdaptiveSchedule(1.2)).validate(), UsageError);
  EXPECT_NO_THROW(Schedule(AdaptiveSchedule(0.4)).validate());
}

// On the parity ring every move changes H by c = 0.3: from an even site both proposals go
// uphill (accepted with p = exp(-c / T)), from an odd site both go downhill. The chain waits 1/p
// steps on average at an even site and 1 at an odd one, so the acceptance rate is 2p / (1 + p),
// and a target of 0.7 holds at p* = 0.7 / 1.3, T* = c / ln(1.3 / 0.7). Started 30x too cold,
// the calibration reaches T* (acceptance within 4 naive standard errors of a 4000-step level,
// about 0.03, and T within 10 %), then cooling ends at T_end.
TEST(Schedule, AdaptiveCalibratesToTheTargetAcceptanceThenCools) {
  ParityRing problem{0.3};
  AnnealOptions options;
  options.schedule = AdaptiveSchedule(0.7, 40, 2.0);
  const double calibrated = 0.3 / std::log(1.3 / 0.7);
  options.initial_temperature = calibrated / 30;
  options.final_temperature = 0.001;
  options.steps_per_temperature = 4000;
  options.max_steps = 4000 * 60;
  options.stop_at_target = false;
  std::vector<LevelReport> levels;
  AnnealControl<int> control;
  control.on_level = [&](const LevelReport& report, const int&) {
    levels.push_back(report);
    return true;
  };
  auto rng = make_stream(3, 0x8a, 0, 0);
  (void)minimize(problem, options, rng, control);
  ASSERT_EQ(levels.size(), 60u);
  const double standard_error = std::sqrt(0.7 * 0.3 / 4000);
  for (std::size_t k = 30; k < 40; ++k) {
    EXPECT_NEAR(levels[k].acceptance, 0.7, 4 * standard_error) << "level " << k;
    EXPECT_NEAR(levels[k].temperature, calibrated, 0.1 * calibrated) << "level " << k;
  }
  EXPECT_LT(levels[0].acceptance, 0.01);  // far too cold at first
  for (std::size_t k = 41; k < 60; ++k) EXPECT_LT(levels[k].temperature, levels[k - 1].temperature);
  EXPECT_NEAR(levels.back().temperature, 0.001, 1e-12);
}

// Each policy draws every allowed pair equally often (within 4 standard errors) and is
// symmetric: over all permutations a, b of 5 elements the number of pairs taking a to b
// equals the number taking b to a.
template <class Policy>
void expect_uniform_and_symmetric(bool ordered_pairs) {
  const std::size_t n = 5;
  auto rng = make_stream(21, 0x9a, 0, 0);
  std::map<std::pair<std::size_t, std::size_t>, int> counts;
  const int draws = 100000;
  for (int k = 0; k < draws; ++k) {
    const auto m = Policy::propose(n, rng);
    ASSERT_NE(m.first, m.second);
    ASSERT_LT(std::max(m.first, m.second), n);
    if (!ordered_pairs) {
      ASSERT_LT(m.first, m.second);
    }
    ++counts[{m.first, m.second}];
  }
  const std::size_t pairs = ordered_pairs ? n * (n - 1) : n * (n - 1) / 2;
  ASSERT_EQ(counts.size(), pairs);
  const double p = 1.0 / static_cast<double>(pairs);
  const double standard_error = std::sqrt(p * (1 - p) / draws);
  for (const auto& [pair, count] : counts) EXPECT_NEAR(count / static_cast<double>(draws), p, 4 * standard_error);

  std::vector<int> a(n);
  std::iota(a.begin(), a.end(), 0);
  std::map<std::pair<std::vector<int>, std::vector<int>>, int> transitions;
  do {
    for (const auto& [pair, count] : counts) {
      auto b = a;
      Policy::apply(std::span<int>(b), PositionPair{pair.first, pair.second});
      ++transitions[{a, b}];
    }
  } while (std::next_permutation(a.begin(), a.end()));
  for (const auto& [ab, count] : transitions) {
    const auto reverse = transitions.find({ab.second, ab.first});
    ASSERT_NE(reverse, transitions.end());
    EXPECT_EQ(reverse->second, count);
  }
}

TEST(Moves, SubsequenceReversalIsUniformAndSymmetric) {
  expect_uniform_and_symmetric<SubsequenceReversal>(false);
  std::vector<int> s{0, 1, 2, 3, 4, 5};
  SubsequenceReversal::apply(std::span<int>(s), {1, 4});
  EXPECT_EQ(s, (std::vector<int>{0, 4, 3, 2, 1, 5}));
}

TEST(Moves, TranspositionIsUniformAndSymmetric) { expect_uniform_and_symmetric<Transposition>(false); }

TEST(Moves, RelocationIsUniformAndSymmetric) {
  expect_uniform_and_symmetric<Relocation>(true);
  std::vector<int> s{0, 1, 2, 3, 4, 5};
  Relocation::apply(std::span<int>(s), {1, 4});
  EXPECT_EQ(s, (std::vector<int>{0, 2, 3, 4, 1, 5}));
  Relocation::apply(std::span<int>(s), {4, 1});
  EXPECT_EQ(s, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

// The inversion-count delta of a reversal matches a full re-evaluation.
TEST(Moves, InversionCountDeltaMatchesFullEvaluation) {
  InversionCount problem{30};
  auto rng = make_stream(22, 0x9b, 0, 0);
  auto s = problem.random_state(rng);
  for (int k = 0; k < 500; ++k) {
    const auto m = problem.propose(s, rng);
    const double before = problem.energy(s);
    const double change = problem.delta(s, m);
    problem.apply(s, m);
    ASSERT_EQ(problem.energy(s) - before, change);
  }
}
