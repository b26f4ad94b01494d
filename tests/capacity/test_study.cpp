// The capacity planner (capacity/study.hpp) on a synthetic model whose retrieval probability is
// a known probit curve: the loop of run_rounds is played here without MPI (plan, compute the
// round's tasks in task order, append), so every property of the planner is checked directly.

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "capacity/study.hpp"
#include "core/error.hpp"
#include "synthetic.hpp"

namespace nnsim::capacity {
namespace {

struct Model {
  double alpha_c = 0.15;  ///< P_ret = 1/2 here
  double width = 0.01;
  std::uint64_t seed = 11;
  /// A sample of (N, p): retrieved with probability Phi((alpha_c - alpha) / width); the final
  /// overlap is 1 for a retrieved sample and 0.3 otherwise (as the Hopfield model roughly is).
  std::vector<double> task(const TaskBlock& block, std::uint64_t sample) const {
    const double alpha = static_cast<double>(block.point.integers[1]) / static_cast<double>(block.point.integers[0]);
    RandomStream random(seed, block.point.key, sample, 0);
    const bool retrieved = random.uniform() < testing::probit_curve(alpha, alpha_c, width);
    std::vector<double> v(kTaskValues);
    v[kFinalOverlap] = retrieved ? 1.0 : 0.3;
    v[kRetrieved] = retrieved ? 1.0 : 0.0;
    v[kSweeps] = 10;
    v[kConverged] = 1;
    return v;
  }
};

RoundsHistory play(const StudySettings& settings, const Model& model) {
  RoundsHistory history;
  while (auto round = plan_next_round(settings, history)) {
    CompletedRound done{*round, {}};
    for (const auto& block : round->blocks) {
      for (std::uint64_t s = 0; s < block.count; ++s) {
        const auto v = model.task(block, block.first_sample + s);
        done.values.insert(done.values.end(), v.begin(), v.end());
      }
    }
    history.push_back(std::move(done));
  }
  return history;
}

StudySettings settings_for(std::vector<std::int64_t> sizes) {
  StudySettings s;
  s.sizes = std::move(sizes);
  s.samples_per_load = 400;
  s.round_samples = 100;
  s.budget = 3200;
  s.target_error = 5e-4;
  return s;
}

std::vector<const LoadSamples*> loads_of(const std::map<std::pair<std::int64_t, std::int64_t>, LoadSamples>& loads,
                                         std::int64_t n) {
  std::vector<const LoadSamples*> out;
  for (const auto& [key, load] : loads) {
    if (key.first == n) out.push_back(&load);
  }
  return out;
}

TEST(CapacityPlanner, FindsTheCrossingWithinItsErrorAndRespectsTheCaps) {
  const StudySettings s = settings_for({512, 4096});
  const Model model;
  const auto history = play(s, model);
  ASSERT_GE(history.size(), 2U);
  EXPECT_EQ(history.front().round.label, "bracket");
  const auto loads = aggregate(history, 0);  // throws if a load's samples were not contiguous
  for (const std::int64_t n : s.sizes) {
    std::uint64_t total = 0;
    for (const auto* load : loads_of(loads, n)) {
      EXPECT_LE(load->count(), s.samples_per_load);
      total += load->count();
    }
    EXPECT_LE(total, s.budget) << "N = " << n;
    const auto counts = retrieval_counts(loads_of(loads, n), s.m_cut);
    const auto fit = fit_crossing(counts);
    ASSERT_EQ(fit.status, FitStatus::converged) << "N = " << n;
    EXPECT_EQ(fit.location, Location::bracketed);
    // Either the target was reached or the budget used up.
    EXPECT_TRUE(fit.crossing_stderr <= s.target_error || total + s.round_samples > s.budget)
        << "N = " << n << ": stderr " << fit.crossing_stderr << ", samples " << total;
    // Tolerance: 4 standard errors of the fit.
    EXPECT_NEAR(fit.crossing, model.alpha_c, 4 * fit.crossing_stderr) << "N = " << n;
  }
}

TEST(CapacityPlanner, EveryRoundIsAFunctionOfTheHistoryBeforeIt) {
  const StudySettings s = settings_for({256, 1024});
  const auto history = play(s, Model{});
  for (std::size_t k = 0; k < history.size(); ++k) {
    const RoundsHistory prefix(history.begin(), history.begin() + static_cast<std::ptrdiff_t>(k));
    const auto again = plan_next_round(s, prefix);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, history[k].round) << "round " << k;
  }
  EXPECT_FALSE(plan_next_round(s, history).has_value());
}

TEST(CapacityPlanner, StopsAtTheTargetErrorBeforeTheBudget) {
  StudySettings s = settings_for({1024});
  s.target_error = 0.004;
  s.budget = 100000;
  s.samples_per_load = 100000;
  const auto history = play(s, Model{});
  const auto loads = aggregate(history, 0);
  std::uint64_t total = 0;
  for (const auto* load : loads_of(loads, 1024)) total += load->count();
  EXPECT_LT(total, 3000U);
  const auto fit = fit_crossing(retrieval_counts(loads_of(loads, 1024), s.m_cut));
  EXPECT_LE(fit.crossing_stderr, s.target_error);
}

TEST(CapacityPlanner, WidensABracketThatMissesTheCrossing) {
  for (const auto& [low, high] : {std::pair{0.3, 0.5}, std::pair{0.02, 0.06}}) {
    StudySettings s = settings_for({512});
    s.bracket_low = low;
    s.bracket_high = high;
    const Model model;
    const auto history = play(s, model);
    bool widened = false;
    for (const auto& round : history) widened = widened || round.round.label.find("widen") != std::string::npos;
    EXPECT_TRUE(widened) << low << ":" << high;
    const auto loads = aggregate(history, 0);
    const auto fit = fit_crossing(retrieval_counts(loads_of(loads, 512), s.m_cut));
    ASSERT_EQ(fit.status, FitStatus::converged);
    EXPECT_EQ(fit.location, Location::bracketed);
    EXPECT_NEAR(fit.crossing, model.alpha_c, 4 * fit.crossing_stderr);
  }
}

TEST(CapacityPlanner, FixedBracketThatMissesTheCrossingIsRefusedNamingTheOption) {
  StudySettings s = settings_for({512});
  s.bracket_low = 0.3;
  s.bracket_high = 0.5;
  s.widen = false;
  try {
    play(s, Model{});
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--bracket"), std::string::npos) << what;
    EXPECT_NE(what.find("N = 512"), std::string::npos) << what;
  }
}

TEST(CapacityPlanner, ResolvesAStepSharperThanTheBracketSpacing) {
  // width 0.0015 against a bracket spacing of 0.025: the first round sees all-or-nothing loads
  // with at most one in between (separation); the planner must probe inside the step.
  StudySettings s = settings_for({8192});
  Model model;
  model.width = 0.0015;
  const auto history = play(s, model);
  const auto loads = aggregate(history, 0);
  const auto fit = fit_crossing(retrieval_counts(loads_of(loads, 8192), s.m_cut));
  ASSERT_EQ(fit.status, FitStatus::converged);
  EXPECT_NEAR(fit.crossing, model.alpha_c, 4 * fit.crossing_stderr);
  EXPECT_GT(loads_of(loads, 8192).size(), 9U);
}

TEST(CapacityPlanner, SampleNumbersStartAtFirstSampleAndKeysDependOnValuesOnly) {
  StudySettings s = settings_for({256});
  s.first_sample = 5000;
  const auto round = plan_next_round(s, {});
  ASSERT_TRUE(round.has_value());
  std::set<std::uint64_t> keys;
  for (const auto& block : round->blocks) {
    EXPECT_EQ(block.first_sample, 5000U);
    EXPECT_EQ(block.point.key, load_key(s, block.point.integers[0], block.point.integers[1]));
    keys.insert(block.point.key);
  }
  EXPECT_EQ(keys.size(), round->blocks.size());
  StudySettings other = s;
  other.sizes = {1024, 256};
  EXPECT_EQ(load_key(other, 256, 30), load_key(s, 256, 30));
}

}  // namespace
}  // namespace nnsim::capacity
