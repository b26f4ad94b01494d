// Exploration schedules and action selection (policy.hpp): the book's step schedule, uniform
// tie-breaking among legal maximal entries, epsilon-greedy and softmax frequencies. Statistical
// checks use fixed seeds and a tolerance of 4 standard errors of a binomial frequency.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>

#include "rl/policy.hpp"

namespace {

using namespace nnsim::rl;
using nnsim::RandomStream;

// |f - p| <= 4 sqrt(p (1 - p) / n): a 4-sigma band around the expected frequency p.
void expect_frequency(double count, double n, double p, const char* what) {
  const double sigma = std::sqrt(p * (1 - p) / n);
  EXPECT_NEAR(count / n, p, 4 * sigma) << what;
}

TEST(Schedule, BookStepScheduleHoldsThenDecays) {
  const auto s = parse_epsilon_schedule("book", 1.0);
  EXPECT_EQ(epsilon_at(s, 0), 1.0);
  EXPECT_EQ(epsilon_at(s, 9999), 1.0);
  EXPECT_EQ(epsilon_at(s, 10099), 1.0);  // the first factor applies after 100 more rounds
  EXPECT_DOUBLE_EQ(epsilon_at(s, 10100), 0.9);
  EXPECT_DOUBLE_EQ(epsilon_at(s, 10250), 0.81);
  EXPECT_NEAR(epsilon_at(s, 20000), std::pow(0.9, 100), 1e-15);
}

TEST(Schedule, ConstantExponentialAndRoundTrip) {
  EXPECT_EQ(epsilon_at(parse_epsilon_schedule("constant", 0.05), 123456), 0.05);
  const auto e = parse_epsilon_schedule("exponential:100,0.01", 0.5);
  EXPECT_DOUBLE_EQ(epsilon_at(e, 0), 0.5);
  EXPECT_DOUBLE_EQ(epsilon_at(e, 100), 0.5 * std::exp(-1.0));
  EXPECT_DOUBLE_EQ(epsilon_at(e, 100000), 0.01);
  for (const char* text : {"constant", "step:500,0.5,20", "exponential:100,0.01"}) {
    const auto s = parse_epsilon_schedule(text, 0.7);
    EXPECT_EQ(format_epsilon_schedule(s), text);
    for (std::uint64_t t : {0u, 499u, 500u, 777u, 5000u}) {
      EXPECT_EQ(epsilon_at(parse_epsilon_schedule(format_epsilon_schedule(s), 0.7), t), epsilon_at(s, t));
    }
  }
  EXPECT_EQ(format_epsilon_schedule(parse_epsilon_schedule("book", 1)), "step:10000,0.9,100");
}

TEST(Schedule, RefusesBadText) {
  for (const char* text : {"", "linear", "step:1,2", "step:10,1.5,10", "step:10,0.5,0", "exponential:0",
                           "exponential:-1", "step:a,0.5,1", "exponential:10,2"}) {
    EXPECT_THROW(parse_epsilon_schedule(text, 1.0), std::invalid_argument) << text;
  }
  EXPECT_THROW(parse_epsilon_schedule("constant", 1.5), std::invalid_argument);
}

TEST(Greedy, TiesAreBrokenUniformlyAmongLegalMaximalEntries) {
  // Actions 1, 3, 6 tie at the maximum among the legal ones; action 2 is larger but illegal.
  const std::array<double, 8> q{0.0, 0.5, 9.0, 0.5, -1.0, 0.2, 0.5, 0.5};
  const ActionMask legal = 0b0111'1011;  // 0, 1, 3, 4, 5, 6 (not 2, not 7)
  EXPECT_EQ(greedy_actions(q.data(), legal), ActionMask{0b0100'1010});
  RandomStream rng(11, 1, 0, 0);
  std::array<double, 8> count{};
  const int n = 30000;
  for (int i = 0; i < n; ++i) count[greedy_action(q.data(), legal, rng)] += 1;
  for (std::size_t a : {1u, 3u, 6u}) expect_frequency(count[a], n, 1.0 / 3, "tied action");
  EXPECT_EQ(count[0] + count[2] + count[4] + count[5] + count[7], 0);
}

TEST(Greedy, AUniqueMaximumDrawsNoRandomNumber) {
  const std::array<double, 3> q{0.1, 0.7, 0.3};
  RandomStream rng(3, 1, 0, 0);
  EXPECT_EQ(greedy_action(q.data(), 0b111, rng), 1u);
  EXPECT_EQ(rng.position(), 0u);
}

TEST(EpsilonGreedy, GreedyActionWithProbabilityOneMinusEpsilonPlusItsShare) {
  const std::array<double, 4> q{0.0, 1.0, 0.5, -0.5};
  for (const double epsilon : {0.0, 0.2, 1.0}) {
    RandomStream rng(5, 2, 0, 0);
    std::array<double, 4> count{};
    const int n = 40000;
    for (int i = 0; i < n; ++i) count[epsilon_greedy_action(q.data(), 0b1111, epsilon, rng)] += 1;
    expect_frequency(count[1], n, 1 - epsilon + epsilon / 4, "greedy");
    expect_frequency(count[3], n, epsilon / 4, "other");
  }
}

TEST(Softmax, FrequenciesFollowTheBoltzmannWeights) {
  const std::array<double, 3> q{0.0, 1.0, 2.0};
  const double beta = 0.8;
  const double z = 1 + std::exp(beta) + std::exp(2 * beta);
  RandomStream rng(7, 3, 0, 0);
  std::array<double, 3> count{};
  const int n = 40000;
  const Softmax policy(beta);
  for (int i = 0; i < n; ++i) count[policy.choose(q.data(), 0b111, 0, rng)] += 1;
  for (std::size_t a = 0; a < 3; ++a) expect_frequency(count[a], n, std::exp(beta * q[a]) / z, "softmax");
  // Only legal actions, and no overflow at large beta Q.
  const std::array<double, 3> big{1000.0, 2000.0, 1999.0};
  for (int i = 0; i < 100; ++i) EXPECT_NE(softmax_action(big.data(), 0b101, 1.0, rng), 1u);
}

}  // namespace
