// The associative task of Fig. 11.2: Q-learning with one-step episodes (11.26) relaxes to
// Q* = 2 p_reward - 1 (11.30) as <Q_t> - Q* = (Q_0 - Q*)(1 - alpha p)^t (11.27)-(11.29), and the
// reward-penalty rule (11.10) for the stochastic neuron (11.2) approaches r_max (11.4) from below
// as delta decreases. Tolerances: 4 standard errors of the mean over independent learners.

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "rl/associative.hpp"
#include "rl/tabular.hpp"

namespace {

using namespace nnsim::rl;
using nnsim::RandomStream;

static_assert(Environment<AssociativeTask>);

struct MeanAndError {
  double mean = 0, stderr_of_mean = 0;
};
MeanAndError summarize(const std::vector<double>& x) {
  double mean = 0, var = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (double v : x) var += (v - mean) * (v - mean);
  return {mean, std::sqrt(var / static_cast<double>(x.size() - 1) / static_cast<double>(x.size()))};
}

TEST(AssociativeTask, BookNumbers) {
  const AssociativeTask book;
  EXPECT_NEAR(book.max_expected_reward(), 0.1, 1e-15);  // (11.4)
  const double expected[4] = {0.2, 0.6, -0.4, -0.8};    // (11.30)
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(book.expected_reward(k / 2, k % 2), expected[k], 1e-15);
  EXPECT_EQ(book.best_action(0), 1u);
  EXPECT_EQ(book.best_action(1), 0u);
  const auto rates = book_relaxation_rates(book, 0.01, 0.05);
  EXPECT_DOUBLE_EQ(rates[1], 0.005);     // greedy: alpha / 2
  EXPECT_DOUBLE_EQ(rates[0], 0.000125);  // other: epsilon alpha / 4
  for (double r : book_relaxation_rates(book, 0.01, 1.0)) EXPECT_DOUBLE_EQ(r, 0.0025);
  // One entry is updated per episode.
  for (const double eps : {0.0, 0.05, 1.0}) {
    double total = 0;
    for (double p : update_probabilities(book, eps)) total += p;
    EXPECT_DOUBLE_EQ(total, 1.0);
  }
  EXPECT_THROW(AssociativeTask({0.5, 1.2, 0.1, 0.1}), std::invalid_argument);
}

TEST(AssociativeTask, RewardFrequencies) {
  const AssociativeTask task({0.7, 0.2, 0.4, 0.9});
  RandomStream rng(1, 1, 0, 0);
  const int n = 20000;
  for (std::size_t k = 0; k < 4; ++k) {
    int plus = 0;
    for (int i = 0; i < n; ++i) plus += task.step(k / 2, k % 2, rng).reward > 0;
    const double p = task.reward_probability(k / 2, k % 2);
    EXPECT_NEAR(static_cast<double>(plus) / n, p, 4 * std::sqrt(p * (1 - p) / n));
  }
}

// Q-learning on a table other than the book's: the mean over learners follows the exact relaxation
// at epsilon = 1 at every time, and reaches Q* = 2 p - 1.
TEST(AssociativeQ, RelaxesToTwoPMinusOneAtTheTheoryRate) {
  const AssociativeTask task({0.7, 0.2, 0.4, 0.9});
  const double alpha = 0.05, q0 = 1;
  const int learners = 400;
  const std::vector<std::uint64_t> checkpoints{10, 40, 100, 300, 1500};
  std::vector<std::vector<std::vector<double>>> samples(checkpoints.size(), std::vector<std::vector<double>>(4));
  const EpsilonGreedy explore(ConstantEpsilon{1.0});
  for (int l = 0; l < learners; ++l) {
    QTable q(2, 2, q0);
    RandomStream rng(5, 1, static_cast<std::uint64_t>(l), 0);
    std::size_t next = 0;
    for (std::uint64_t e = 1; e <= checkpoints.back(); ++e) {
      q_learning_episode(task, q, explore, e, alpha, 0.0, rng);  // one-step episodes (11.26)
      if (e == checkpoints[next]) {
        for (std::size_t k = 0; k < 4; ++k) samples[next][k].push_back(q.values()[k]);
        ++next;
      }
    }
  }
  for (std::size_t c = 0; c < checkpoints.size(); ++c) {
    for (std::size_t k = 0; k < 4; ++k) {
      const auto s = summarize(samples[c][k]);
      const double theory = expected_q(task, alpha, 1.0, q0, k, static_cast<double>(checkpoints[c]));
      EXPECT_NEAR(s.mean, theory, 4 * s.stderr_of_mean) << "episode " << checkpoints[c] << " entry " << k;
    }
  }
  for (std::size_t k = 0; k < 4; ++k) {  // after 1500 episodes (75 time constants 4 / alpha): Q*
    const auto s = summarize(samples.back()[k]);
    EXPECT_NEAR(s.mean, task.expected_reward(k / 2, k % 2), 4 * s.stderr_of_mean) << "entry " << k;
  }
}

TEST(StochasticNeuron, FiresWithProbabilityP) {
  StochasticNeuron neuron;
  neuron.weights = {0.3, -0.5};
  RandomStream rng(2, 2, 0, 0);
  const std::array<double, 2> x{1, 1};
  const double p = 1 / (1 + std::exp(-2 * (-0.2)));  // (11.2) with b = w . x = -0.2
  EXPECT_DOUBLE_EQ(StochasticNeuron::probability_plus(-0.2), p);
  int plus = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) plus += neuron.fire(x, rng) == 1;
  EXPECT_NEAR(static_cast<double>(plus) / n, p, 4 * std::sqrt(p * (1 - p) / n));
}

TEST(RewardPenalty, RuleArithmetic) {
  StochasticNeuron neuron;                                  // w = 0: <y> = 0
  reward_penalty_update(neuron, {1, 1}, 1, 1.0, 0.1, 0.5);  // reward: alpha (y - <y>) x
  EXPECT_DOUBLE_EQ(neuron.weights[0], 0.1);
  EXPECT_DOUBLE_EQ(neuron.weights[1], 0.1);
  StochasticNeuron other;
  reward_penalty_update(other, {1, 0}, 1, -1.0, 0.1, 0.5);  // penalty: alpha delta (-y - <y>) x
  EXPECT_DOUBLE_EQ(other.weights[0], -0.05);
  EXPECT_DOUBLE_EQ(other.weights[1], 0.0);
}

// Steady-state expected reward of the book's task below r_max (11.4), closer to it for smaller delta.
TEST(RewardPenalty, ApproachesRMaxFromBelowAsDeltaDecreases) {
  const AssociativeTask book;
  const double r_max = book.max_expected_reward();
  std::vector<MeanAndError> by_delta;
  for (const double delta : {0.5, 0.05}) {
    std::vector<double> final_reward;
    for (int l = 0; l < 100; ++l) {
      StochasticNeuron neuron;
      RandomStream rng(9, delta < 0.1 ? 1 : 2, static_cast<std::uint64_t>(l), 0);
      double late = 0;
      const int iterations = 20000;
      for (int t = 0; t < iterations; ++t) {
        const std::size_t s = book.reset(rng);
        const auto x = AssociativeTask::stimulus(s);
        const int y = neuron.fire(x, rng);
        const double r = book.step(s, y > 0 ? 1 : 0, rng).reward;
        reward_penalty_update(neuron, x, y, r, 0.05, delta);
        if (t >= iterations / 2) late += expected_reward(neuron, book);
      }
      final_reward.push_back(late / (iterations / 2));
      EXPECT_LE(final_reward.back(), r_max + 1e-12);  // no policy beats r_max
    }
    by_delta.push_back(summarize(final_reward));
  }
  const double combined = std::hypot(by_delta[0].stderr_of_mean, by_delta[1].stderr_of_mean);
  EXPECT_GT(by_delta[1].mean - by_delta[0].mean, 4 * combined) << by_delta[0].mean << " " << by_delta[1].mean;
  EXPECT_GT(by_delta[1].mean, 0.0);  // well above the reward of the untrained neuron
  RecordProperty("mean_reward_delta_0.5", std::to_string(by_delta[0].mean));
  RecordProperty("mean_reward_delta_0.05", std::to_string(by_delta[1].mean));
}

}  // namespace
