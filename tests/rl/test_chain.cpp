// TD(lambda) with a linear value function (11.20) on the chain walk, whose value function
// V(i) = (i + 1) / (n + 1) is known: the mean over independent learners converges to it for
// one-hot and for affine features (V is linear in i, so the TD fixed point is V itself), for
// lambda = 0 and 1, with offline updates (whose mean is exactly linear in w, so unbiased).
// Tolerance: 4 standard errors of the mean over learners. Online updates are checked to converge
// to within their O(alpha) bias.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rl/chain.hpp"

namespace {

using namespace nnsim::rl;
using nnsim::RandomStream;

TEST(ChainWalk, TrueValuesAreTheExitProbabilities) {
  const ChainWalk chain(5);
  EXPECT_DOUBLE_EQ(chain.true_value(0), 1.0 / 6);
  EXPECT_DOUBLE_EQ(chain.true_value(4), 5.0 / 6);
  // Monte-Carlo check of V(middle) = 1/2 with 4 binomial sigmas... and of the episode start.
  RandomStream rng(3, 3, 0, 0);
  EXPECT_EQ(chain.reset(rng), 2u);
  int right = 0;
  const int n = 20000;
  for (int e = 0; e < n; ++e) {
    std::size_t s = chain.reset(rng);
    for (;;) {
      const Step st = chain.step(s, uniform_action(0b11, rng), rng);
      if (st.done) {
        right += st.reward > 0;
        break;
      }
      s = st.next_state;
    }
  }
  EXPECT_NEAR(static_cast<double>(right) / n, 0.5, 4 * std::sqrt(0.25 / n));
}

TEST(TdLambda, OneStepArithmetic) {
  LinearTdLambda td(one_hot_features(3), 0.5, 0.8, 1.0, 0.0);
  td.start_episode();
  td.observe(1, 0.0, 2, false);  // error 0: nothing moves, but the trace remembers state 1
  EXPECT_EQ(td.value(1), 0.0);
  td.observe(2, 1.0, 0, true);  // error 1; traces: state 1: 0.8, state 2: 1
  EXPECT_DOUBLE_EQ(td.value(2), 0.5);
  EXPECT_DOUBLE_EQ(td.value(1), 0.5 * 0.8);
}

void expect_converges(const Features& features, double lambda, std::uint64_t stream) {
  const ChainWalk chain(5);
  const int learners = 30;
  std::vector<std::vector<double>> values;
  for (int l = 0; l < learners; ++l) {
    LinearTdLambda td(features, 0.02, lambda, 1.0, 0.5, /*offline=*/true);
    RandomStream rng(8, stream, static_cast<std::uint64_t>(l), 0);
    std::vector<double> sum(5, 0.0);
    const int episodes = 4000;
    for (int e = 0; e < episodes; ++e) {
      td_lambda_episode(chain, td, rng);
      if (e >= episodes / 2) {
        for (std::size_t s = 0; s < 5; ++s) sum[s] += td.value(s);
      }
    }
    for (auto& v : sum) v /= episodes / 2;
    values.push_back(sum);
  }
  for (std::size_t s = 0; s < 5; ++s) {
    double mean = 0, var = 0;
    for (const auto& v : values) mean += v[s];
    mean /= learners;
    for (const auto& v : values) var += (v[s] - mean) * (v[s] - mean);
    const double se = std::sqrt(var / (learners - 1) / learners);
    EXPECT_NEAR(mean, chain.true_value(s), 4 * se) << "lambda " << lambda << " state " << s;
    EXPECT_LT(se, 0.02);  // the test has power: errors far below the spacing 1/6 of the values
  }
}

TEST(TdLambda, ConvergesToTheTrueValuesWithOneHotFeatures) {
  expect_converges(one_hot_features(5), 0.0, 1);
  expect_converges(one_hot_features(5), 1.0, 2);
}

TEST(TdLambda, ConvergesToTheTrueValuesWithAffineFeatures) {
  expect_converges(affine_features(5), 0.0, 3);
  expect_converges(affine_features(5), 0.7, 4);
}

TEST(TdLambda, OnlineUpdatesConvergeToWithinTheirSmallBias) {
  const ChainWalk chain(5);
  for (const double lambda : {0.0, 0.5, 1.0}) {
    double sum = 0;
    const int learners = 20;
    for (int l = 0; l < learners; ++l) {
      LinearTdLambda td(one_hot_features(5), 0.005, lambda, 1.0, 0.5);
      RandomStream rng(8, 9, static_cast<std::uint64_t>(l), 0);
      for (int e = 0; e < 4000; ++e) td_lambda_episode(chain, td, rng);
      sum += rms_value_error(chain, td);
    }
    // Initial RMS error 0.236; what remains is noise (largest at lambda = 1, the Monte-Carlo
    // return: measured 0.046 here) and a bias of order alpha.
    EXPECT_LT(sum / learners, 0.07) << "lambda " << lambda;
  }
}

TEST(TdLambda, RmsErrorFallsWithTraining) {
  const ChainWalk chain(5);
  LinearTdLambda td(one_hot_features(5), 0.05, 0.5, 1.0, 0.5);
  RandomStream rng(1, 1, 1, 1);
  const double before = rms_value_error(chain, td);
  for (int e = 0; e < 500; ++e) td_lambda_episode(chain, td, rng);
  EXPECT_NEAR(before, std::sqrt((4.0 + 1 + 0 + 1 + 4) / 36 / 5), 1e-12);
  EXPECT_LT(rms_value_error(chain, td), before / 2);
}

}  // namespace
