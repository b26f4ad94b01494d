#include <gtest/gtest.h>

#include <cmath>

#include "hopfield/one_step.hpp"
#include "hopfield/theory.hpp"

using namespace nnsim;
using namespace nnsim::hopfield;

// The book's table of (2.39) (shared/reference/book-values.md), to the digits quoted.
TEST(OneStepTheory, BookEquation239Values) {
  EXPECT_NEAR(one_step_error_book(0.1), 0.000783, 0.5e-6);
  EXPECT_NEAR(one_step_error_book(0.138), 0.00355, 0.5e-5);
  EXPECT_NEAR(one_step_error_book(0.2), 0.01267, 0.5e-5);
  EXPECT_NEAR(one_step_error_book(0.3), 0.0339, 0.5e-4);
  // (2.39) at alpha = 0.5 is 0.0786496; the book's table rounds it to 0.0787.
  EXPECT_NEAR(one_step_error_book(0.5), 0.0787, 0.6e-4);
  EXPECT_NEAR(one_step_error_book(0.5), 0.0786496, 0.5e-7);
  // inverted values quoted from Hertz, Krogh & Palmer
  EXPECT_NEAR(one_step_error_book(0.105), 0.001, 0.05e-3);
  EXPECT_NEAR(one_step_error_book(0.185), 0.01, 0.05e-2);
  EXPECT_NEAR(one_step_error_book(0.37), 0.05, 0.05e-1);
}

namespace {
long double exact_pmf(unsigned n, unsigned k) {
  // C(n, k) / 2^n by multiplying ratios, fine for n <= 1000 in long double
  long double v = std::pow(0.5L, static_cast<long double>(n));
  for (unsigned j = 1; j <= k; ++j) v = v * (n - k + j) / j;
  return v;
}
}  // namespace

TEST(OneStepTheory, BinomialPmfAndCdfMatchDirectSums) {
  for (unsigned n : {1u, 2u, 7u, 16u, 31u, 64u, 200u, 1000u}) {
    long double cdf = 0;
    for (unsigned k = 0; k <= n; ++k) {
      const long double direct = exact_pmf(n, k);
      cdf += direct;
      if (direct > 1e-300L) {
        EXPECT_NEAR(binomial_half_pmf(n, k) / static_cast<double>(direct), 1.0, 1e-13) << n << " " << k;
      }
      EXPECT_NEAR(binomial_half_cdf(n, k), static_cast<double>(cdf), 1e-15 + 1e-13 * static_cast<double>(cdf))
          << n << " " << k;
    }
  }
  EXPECT_EQ(binomial_half_cdf(10, -1), 0.0);
  EXPECT_EQ(binomial_half_cdf(10, 10), 1.0);
}

// Exhaustive check of the derivation: average the one-step error over every possible set of
// patterns for tiny N and p (2^(N p) sets, each equally likely under (2.29)).
TEST(OneStepTheory, ExactValueEqualsAverageOverAllPatternSets) {
  struct Case { std::size_t n, p; };
  for (const auto c : {Case{2, 2}, Case{3, 2}, Case{3, 3}, Case{4, 3}, Case{5, 3}, Case{4, 4}, Case{6, 2}}) {
    for (const auto diagonal : {Diagonal::kZero, Diagonal::kKeep}) {
      const std::size_t bits = c.n * c.p;
      std::uint64_t errors = 0, examined = 0;
      for (std::uint64_t config = 0; config < (std::uint64_t{1} << bits); ++config) {
        PatternSet x(c.p, c.n);
        for (std::size_t b = 0; b < bits; ++b) x.set(b / c.n, b % c.n, (config >> b) & 1U ? 1 : -1);
        const auto count = count_one_step_errors_dense(x, 0, diagonal);
        errors += count.errors;
        examined += count.bits;
      }
      const double average = static_cast<double>(errors) / static_cast<double>(examined);
      EXPECT_NEAR(one_step_error_exact(c.n, c.p, diagonal), average, 1e-14)
          << "N=" << c.n << " p=" << c.p << (diagonal == Diagonal::kZero ? " (2.26)" : " (2.25)");
    }
  }
}

// As N grows at fixed alpha the exact value approaches the book's large-N (2.39).
TEST(OneStepTheory, ExactValueApproachesEquation239AsNGrows) {
  for (const double alpha : {0.1, 0.2, 0.3}) {
    double previous = 1;
    for (const std::uint64_t n : {250u, 1000u, 4000u, 16000u, 64000u}) {
      const auto p = static_cast<std::uint64_t>(std::llround(alpha * static_cast<double>(n)));
      const double gap = std::fabs(one_step_error_exact(n, p) / one_step_error_book(alpha) - 1);
      EXPECT_LT(gap, previous) << "alpha=" << alpha << " N=" << n;
      previous = gap;
    }
    EXPECT_LT(previous, 0.01) << "alpha=" << alpha;
  }
}
