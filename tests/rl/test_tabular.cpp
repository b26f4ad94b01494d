// Q-learning (11.24) and SARSA (11.23) on the chain as an MDP with gamma = 0.9 and exploring
// uniformly (epsilon = 1): Q-learning is off-policy and converges to the optimal Q*, SARSA to the
// Q of the policy it follows (here the random walk). Both limits are computed exactly here; the
// two differ, so each test tells the rules apart.

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rl/chain.hpp"
#include "rl/tabular.hpp"

namespace {

using namespace nnsim::rl;
using nnsim::RandomStream;

constexpr std::size_t kN = 5;
constexpr double kGamma = 0.9;

static_assert(Environment<ChainWalk>);
static_assert(Policy<EpsilonGreedy> && Policy<Softmax>);

// Q*(s, a) by value iteration (the Bellman optimality equation).
std::vector<double> optimal_q(const ChainWalk& chain) {
  std::vector<double> q(kN * 2, 0.0);
  RandomStream unused(0, 0, 0, 0);
  for (int it = 0; it < 2000; ++it) {
    for (std::size_t s = 0; s < kN; ++s) {
      for (std::size_t a = 0; a < 2; ++a) {
        const Step st = chain.step(s, a, unused);
        q[2 * s + a] = st.reward + (st.done ? 0 : kGamma * std::max(q[2 * st.next_state], q[2 * st.next_state + 1]));
      }
    }
  }
  return q;
}

// Q of the uniformly random policy (the Bellman expectation equation).
std::vector<double> random_policy_q(const ChainWalk& chain) {
  std::vector<double> q(kN * 2, 0.0);
  RandomStream unused(0, 0, 0, 0);
  for (int it = 0; it < 5000; ++it) {
    for (std::size_t s = 0; s < kN; ++s) {
      for (std::size_t a = 0; a < 2; ++a) {
        const Step st = chain.step(s, a, unused);
        q[2 * s + a] = st.reward + (st.done ? 0 : kGamma * 0.5 * (q[2 * st.next_state] + q[2 * st.next_state + 1]));
      }
    }
  }
  return q;
}

TEST(QLearning, ConvergesToTheOptimalQWhileExploringUniformly) {
  ChainWalk chain(kN);
  const auto expected = optimal_q(chain);
  EXPECT_NEAR(expected[2 * (kN - 1) + 1], 1.0, 1e-12);
  EXPECT_NEAR(expected[2 * 0 + 1], std::pow(kGamma, kN - 1), 1e-12);
  QTable q(kN, 2, 0.0);
  RandomStream rng(1, 5, 0, 0);
  const EpsilonGreedy explore(ConstantEpsilon{1.0});
  for (std::uint64_t e = 0; e < 20000; ++e) q_learning_episode(chain, q, explore, e, 0.1, kGamma, rng);
  // Deterministic transitions and rewards: the iteration contracts to Q* without noise.
  for (std::size_t k = 0; k < kN * 2; ++k) EXPECT_NEAR(q.values()[k], expected[k], 1e-9) << "entry " << k;
}

TEST(Sarsa, ConvergesInTheMeanToTheQOfItsOwnPolicy) {
  ChainWalk chain(kN);
  const auto expected = random_policy_q(chain);
  const auto optimal = optimal_q(chain);
  // Independent learners; each reports its Q averaged over the second half of training. The
  // learners are independent, so the standard error of their mean is sd / sqrt(learners).
  const int learners = 24;
  std::vector<std::vector<double>> averages;
  const EpsilonGreedy explore(ConstantEpsilon{1.0});
  for (int l = 0; l < learners; ++l) {
    QTable q(kN, 2, 0.0);
    RandomStream rng(2, 6, static_cast<std::uint64_t>(l), 0);
    std::vector<double> sum(kN * 2, 0.0);
    const std::uint64_t episodes = 20000;
    for (std::uint64_t e = 0; e < episodes; ++e) {
      sarsa_episode(chain, q, explore, e, 0.01, kGamma, rng);
      if (e >= episodes / 2) {
        for (std::size_t k = 0; k < kN * 2; ++k) sum[k] += q.values()[k];
      }
    }
    for (auto& s : sum) s /= static_cast<double>(episodes / 2);
    averages.push_back(sum);
  }
  for (std::size_t k = 0; k < kN * 2; ++k) {
    double mean = 0, var = 0;
    for (const auto& a : averages) mean += a[k];
    mean /= learners;
    for (const auto& a : averages) var += (a[k] - mean) * (a[k] - mean);
    const double stderr_of_mean = std::sqrt(var / (learners - 1) / learners);
    EXPECT_NEAR(mean, expected[k], 4 * stderr_of_mean + 1e-12) << "entry " << k;
    // ... and not to Q* where the two differ by far more than the error.
    if (std::abs(optimal[k] - expected[k]) > 0.05) {
      EXPECT_GT(std::abs(mean - optimal[k]), 0.04) << "entry " << k;
    }
  }
}

TEST(Updates, OneStepArithmetic) {
  QTable q(2, 2, 0.0);
  q(1, 0) = 0.5;
  q(1, 1) = 2.0;
  q_learning_update(q, 0, 1, 1.0, 1, false, 0b01, 0.5, 0.9);  // max over legal {0}: 0.5
  EXPECT_DOUBLE_EQ(q(0, 1), 0.5 * (1.0 + 0.9 * 0.5));
  sarsa_update(q, 0, 0, -1.0, 1, 1, false, 0.5, 0.9);  // Q(s', a') = 2
  EXPECT_DOUBLE_EQ(q(0, 0), 0.5 * (-1.0 + 0.9 * 2.0));
  q_learning_update(q, 1, 1, 3.0, 0, true, 0, 1.0, 0.9);  // terminal: target = r
  EXPECT_DOUBLE_EQ(q(1, 1), 3.0);
}

}  // namespace
