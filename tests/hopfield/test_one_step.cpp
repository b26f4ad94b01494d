#include <gtest/gtest.h>

#include <cmath>

#include "hopfield/one_step.hpp"
#include "hopfield/patterns.hpp"

using namespace nnsim;
using namespace nnsim::hopfield;

TEST(PatternSet, BitsBeyondNAreZeroAndOverlapMatchesBruteForce) {
  auto rng = make_stream(1, 0, 0, 0);
  const auto x = PatternSet::random(5, 130, rng);
  for (std::size_t mu = 0; mu < 5; ++mu) {
    EXPECT_EQ(x.pattern(mu)[2] >> 2, 0u) << "bits 130..191 must be zero";
    for (std::size_t nu = 0; nu < 5; ++nu) {
      std::int64_t brute = 0;
      for (std::size_t i = 0; i < 130; ++i) brute += x.value(mu, i) * x.value(nu, i);
      EXPECT_EQ(x.overlap(mu, nu), brute);
    }
  }
  EXPECT_EQ(x.overlap(3, 3), 130);
}

TEST(PatternSet, SetAndValueAgree) {
  PatternSet x(2, 70);
  EXPECT_EQ(x.value(1, 69), -1);
  x.set(1, 69, 1);
  EXPECT_EQ(x.value(1, 69), 1);
  x.set(1, 69, -1);
  EXPECT_EQ(x.value(1, 69), -1);
}

// The fast blocked method must give exactly the count of the dense reference, over block
// boundaries (p > 256, N > 512, N not a multiple of 64), subsets and both Hebb rules.
TEST(OneStep, BlockedCountEqualsDenseReferenceExactly) {
  struct Case { std::size_t n, p, k; };
  for (const auto c : {Case{70, 20, 0}, Case{300, 90, 0}, Case{777, 300, 0}, Case{600, 280, 37}, Case{129, 129, 0}}) {
    for (const auto diagonal : {Diagonal::kZero, Diagonal::kKeep}) {
      auto rng = make_stream(7, c.n, c.p, 0);
      const auto x = PatternSet::random(c.p, c.n, rng);
      const auto fast = count_one_step_errors(x, c.k, diagonal);
      const auto fast_double = count_one_step_errors(x, c.k, diagonal, Precision::kDouble);
      const auto dense = count_one_step_errors_dense(x, c.k, diagonal);
      EXPECT_EQ(fast.errors, dense.errors) << c.n << " " << c.p << " " << c.k;
      EXPECT_EQ(fast_double.errors, dense.errors);
      EXPECT_EQ(fast.bits, dense.bits);
      EXPECT_EQ(fast.bits, c.n * (c.k ? c.k : c.p));
    }
  }
}

// sgn(0) = +1: with x^1 = (+,+), x^2 = (+,-) and w_ii = 0, w_12 = 0 so every field is 0 and
// exactly the one bit with x_i = -1 is wrong.
TEST(OneStep, ZeroFieldCountsAsPlusOne) {
  PatternSet x(2, 2);
  x.set(0, 0, 1);
  x.set(0, 1, 1);
  x.set(1, 0, 1);
  x.set(1, 1, -1);
  const auto count = count_one_step_errors(x, 0, Diagonal::kZero);
  EXPECT_EQ(count.errors, 1u);
  EXPECT_EQ(count.bits, 4u);
  EXPECT_EQ(count_one_step_errors_dense(x, 0, Diagonal::kZero).errors, 1u);
}

TEST(OneStep, SinglePatternIsAlwaysStable) {
  auto rng = make_stream(3, 0, 0, 0);
  const auto x = PatternSet::random(1, 500, rng);
  EXPECT_EQ(count_one_step_errors(x, 0).errors, 0u);
}

TEST(OneStep, FloatIsRefusedWhereItIsNotExact) {
  PatternSet x(4100, 4100);  // p N > 2^24
  EXPECT_THROW(count_one_step_errors(x, 1, Diagonal::kZero, Precision::kFloat), std::invalid_argument);
}
