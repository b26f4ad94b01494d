#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "capacity/crossing.hpp"
#include "synthetic.hpp"

using namespace nnsim::capacity;
using nnsim::capacity::testing::draw_binomial;
using nnsim::capacity::testing::probit_curve;

namespace {

constexpr double kAlphaC = 0.14, kWidth = 0.01;
constexpr std::int64_t kTrials = 400;
constexpr std::uint64_t kKey = 0x636170616369747AULL;  // this test's stream key

// Ten loads 0.1175, 0.1225, ..., 0.1625 (or shifted by `offset`), n = 400 each, drawn from the
// probit curve with alpha_c = 0.14 and w = 0.01; `repetition` selects independent data sets.
std::vector<BinomialPoint> synthetic(std::uint64_t repetition, double offset = 0) {
  std::vector<BinomialPoint> points;
  for (int j = 0; j < 10; ++j) {
    const double alpha = 0.1175 + 0.005 * j + offset;
    points.push_back({alpha,
                      draw_binomial(probit_curve(alpha, kAlphaC, kWidth), kTrials, 7, kKey, repetition,
                                    static_cast<std::uint64_t>(j)),
                      kTrials});
  }
  return points;
}

}  // namespace

TEST(LinkFunctions, QuantileInvertsDistributionFunction) {
  for (const auto link : {Link::probit, Link::logistic})
    for (const double p : {1e-10, 0.01, 0.3, 0.5, 0.8, 0.999})
      EXPECT_NEAR(link_cdf(link, link_quantile(link, p)), p, 1e-15 + 1e-13 * p);
  EXPECT_DOUBLE_EQ(link_quantile(Link::probit, 0.5), 0);
  EXPECT_NEAR(link_quantile(Link::probit, 0.8413447460685429), 1, 1e-12);
  EXPECT_THROW(link_quantile(Link::probit, 1), std::invalid_argument);
}

TEST(CrossingFit, ProbitRecoversKnownCurveAndBootstrapAgreesWithFisher) {
  const auto points = synthetic(0);
  FitOptions options;
  options.bootstrap_resamples = 400;
  options.seed = 11;
  const auto fit = fit_crossing(points, options);
  ASSERT_EQ(fit.status, FitStatus::converged) << fit.message;
  EXPECT_EQ(fit.location, Location::bracketed);
  EXPECT_LT(std::fabs(fit.crossing - kAlphaC), 4 * fit.crossing_stderr);
  EXPECT_LT(std::fabs(fit.width - kWidth), 4 * fit.width_stderr);
  EXPECT_DOUBLE_EQ(fit.crossing, fit.midpoint);  // level 1/2
  // The Fisher error expected here: ~0.01 * sqrt(2 pi / (4000 * 0.5 * ...)) ~ 3e-4.
  EXPECT_GT(fit.crossing_stderr, 1e-4);
  EXPECT_LT(fit.crossing_stderr, 1e-3);
  // Bootstrap vs Fisher: with B = 400 the bootstrap SD has a relative error ~ 1/sqrt(2 B) = 3.5 %.
  EXPECT_EQ(fit.bootstrap_resamples, 400);
  EXPECT_EQ(fit.bootstrap_separated, 0);
  EXPECT_NEAR(fit.bootstrap_stderr / fit.crossing_stderr, 1.0, 0.3);
  EXPECT_LT(fit.bootstrap_lower, fit.crossing);
  EXPECT_GT(fit.bootstrap_upper, fit.crossing);
  // A deterministic function of the data and the seed.
  const auto again = fit_crossing(points, options);
  EXPECT_EQ(again.bootstrap_stderr, fit.bootstrap_stderr);
  options.seed = 12;
  EXPECT_NE(fit_crossing(points, options).bootstrap_stderr, fit.bootstrap_stderr);
}

TEST(CrossingFit, OtherLevelsAndTheLogisticLink) {
  const auto points = synthetic(1);
  FitOptions options;
  options.level = 0.8;
  const auto probit = fit_crossing(points, options);
  ASSERT_EQ(probit.status, FitStatus::converged);
  const double truth = kAlphaC - kWidth * link_quantile(Link::probit, 0.8);
  EXPECT_LT(std::fabs(probit.crossing - truth), 4 * probit.crossing_stderr);
  EXPECT_LT(std::fabs(probit.midpoint - kAlphaC), 4 * probit.midpoint_stderr);
  // The logistic curve is symmetric about its midpoint too, so it finds the same alpha_c; its
  // w is the probit's times ~0.6 (equal slopes at the midpoint give sqrt(2 pi) / 4 = 0.63, equal
  // standard deviations sqrt(3) / pi = 0.55; Amemiya's rule of thumb 1 / 1.6).
  options.level = 0.5;
  options.link = Link::logistic;
  const auto logistic = fit_crossing(points, options);
  ASSERT_EQ(logistic.status, FitStatus::converged);
  EXPECT_LT(std::fabs(logistic.crossing - kAlphaC), 4 * logistic.crossing_stderr);
  EXPECT_GT(logistic.width / probit.width, 0.5);
  EXPECT_LT(logistic.width / probit.width, 0.7);
  const auto steepest = steepest_point(probit);
  EXPECT_EQ(steepest.alpha, probit.midpoint);
  EXPECT_DOUBLE_EQ(steepest.slope, -1 / (std::sqrt(2 * std::numbers::pi) * probit.width));
  EXPECT_DOUBLE_EQ(steepest_point(logistic).slope, -1 / (4 * logistic.width));
}

// Over 200 independent data sets the Fisher error bar must cover the truth in ~68 % of them;
// the binomial SD of the observed fraction is 0.033, so [0.55, 0.80] is about +-4 SD.
TEST(CrossingFit, FisherErrorCoversTruthSixtyEightPercent) {
  int covered = 0, bootstrap_covered = 0;
  constexpr int kRepetitions = 200, kBootstrapRepetitions = 60;
  for (int r = 0; r < kRepetitions; ++r) {
    FitOptions options;
    options.bootstrap_resamples = r < kBootstrapRepetitions ? 100 : 0;
    options.seed = static_cast<std::uint64_t>(1000 + r);
    const auto fit = fit_crossing(synthetic(static_cast<std::uint64_t>(100 + r)), options);
    ASSERT_EQ(fit.status, FitStatus::converged);
    covered += std::fabs(fit.crossing - kAlphaC) <= fit.crossing_stderr ? 1 : 0;
    if (r < kBootstrapRepetitions)
      bootstrap_covered += std::fabs(fit.crossing - kAlphaC) <= fit.bootstrap_stderr ? 1 : 0;
  }
  const double coverage = static_cast<double>(covered) / kRepetitions;
  EXPECT_GE(coverage, 0.55);
  EXPECT_LE(coverage, 0.80);
  // 60 data sets: SD 0.06, so +-3 SD is [0.50, 0.86].
  const double bootstrap_coverage = static_cast<double>(bootstrap_covered) / kBootstrapRepetitions;
  EXPECT_GE(bootstrap_coverage, 0.50);
  EXPECT_LE(bootstrap_coverage, 0.86);
}

TEST(CrossingFit, SeparatedDataAreReportedNotFitted) {
  const std::vector<BinomialPoint> clean = {{0.10, 50, 50}, {0.12, 50, 50}, {0.14, 0, 50}, {0.16, 0, 50}};
  auto fit = fit_crossing(clean);
  EXPECT_EQ(fit.status, FitStatus::separated);
  EXPECT_EQ(fit.location, Location::bracketed);
  EXPECT_EQ(fit.separation_lower, 0.12);
  EXPECT_EQ(fit.separation_upper, 0.14);
  EXPECT_DOUBLE_EQ(fit.crossing, 0.13);
  EXPECT_EQ(fit.width, 0);
  EXPECT_TRUE(std::isnan(fit.crossing_stderr));
  EXPECT_FALSE(fit.message.empty());

  // Quasi-complete: one mixed load between all-retrieved and none-retrieved ones.
  const std::vector<BinomialPoint> quasi = {{0.12, 50, 50}, {0.13, 20, 50}, {0.14, 0, 50}};
  fit = fit_crossing(quasi);
  EXPECT_EQ(fit.status, FitStatus::separated);
  EXPECT_EQ(fit.crossing, 0.13);

  const std::vector<BinomialPoint> all_retrieved = {{0.10, 50, 50}, {0.11, 50, 50}};
  fit = fit_crossing(all_retrieved);
  EXPECT_EQ(fit.status, FitStatus::separated);
  EXPECT_EQ(fit.location, Location::above_range);
  EXPECT_EQ(fit.crossing, 0.11);
  EXPECT_TRUE(std::isinf(fit.separation_upper));

  const std::vector<BinomialPoint> none_retrieved = {{0.20, 0, 50}, {0.21, 0, 50}};
  fit = fit_crossing(none_retrieved);
  EXPECT_EQ(fit.status, FitStatus::separated);
  EXPECT_EQ(fit.location, Location::below_range);
  EXPECT_EQ(fit.crossing, 0.20);

  const std::vector<BinomialPoint> rising = {{0.10, 0, 50}, {0.12, 50, 50}};
  EXPECT_EQ(fit_crossing(rising).status, FitStatus::not_decreasing);
  const std::vector<BinomialPoint> rising_noisy = {{0.10, 10, 50}, {0.12, 20, 50}, {0.14, 40, 50}};
  EXPECT_EQ(fit_crossing(rising_noisy).status, FitStatus::not_decreasing);

  const std::vector<BinomialPoint> single = {{0.14, 20, 50}};
  fit = fit_crossing(single);
  EXPECT_EQ(fit.status, FitStatus::too_few_points);
  EXPECT_EQ(fit.location, Location::undetermined);
  // Two points at the same load count as one.
  const std::vector<BinomialPoint> same_load = {{0.14, 20, 50}, {0.14, 30, 50}};
  EXPECT_EQ(fit_crossing(same_load).status, FitStatus::too_few_points);
}

TEST(CrossingFit, NearlySeparatedDataFitAndBootstrapCountsSeparatedResamples) {
  // A steep step with one stray sample on each side: the ML fit exists, but many resamples lose
  // the strays and are separated.
  const std::vector<BinomialPoint> points = {{0.12, 49, 50}, {0.13, 25, 50}, {0.14, 1, 50}};
  FitOptions options;
  options.bootstrap_resamples = 200;
  const auto fit = fit_crossing(points, options);
  ASSERT_EQ(fit.status, FitStatus::converged) << fit.message;
  EXPECT_NEAR(fit.crossing, 0.13, 1e-3);
  EXPECT_GT(fit.bootstrap_separated, 0);
  EXPECT_LT(fit.bootstrap_separated, 200);
  EXPECT_TRUE(std::isfinite(fit.bootstrap_stderr));
  EXPECT_GT(fit.bootstrap_stderr, 0);
}

TEST(CrossingFit, CrossingOutsideTheProbedRangeIsFlagged) {
  // Probing 0.1525 ... 0.1975: P <= Phi(-1.25) = 0.11 everywhere, the crossing lies below.
  const auto high = synthetic(2, 0.035);
  const auto below = fit_crossing(high);
  ASSERT_EQ(below.status, FitStatus::converged);
  EXPECT_EQ(below.location, Location::below_range);
  EXPECT_LT(below.crossing, high.front().alpha);
  EXPECT_EQ(linear_crossing(high).location, Location::below_range);
  // Probing 0.0825 ... 0.1275: P >= Phi(1.25) everywhere.
  const auto low = synthetic(3, -0.035);
  const auto above = fit_crossing(low);
  ASSERT_EQ(above.status, FitStatus::converged);
  EXPECT_EQ(above.location, Location::above_range);
  EXPECT_GT(above.crossing, low.back().alpha);
  const auto linear = linear_crossing(low);
  EXPECT_EQ(linear.location, Location::above_range);
  EXPECT_TRUE(std::isnan(linear.crossing));
}

TEST(LinearCrossing, InterpolatesWithPropagatedError) {
  const std::vector<MeanPoint> points = {{0.15, 0.2, 0.01, 100}, {0.13, 0.8, 0.01, 100}, {0.17, 0.1, 0.01, 100}};
  const auto crossing = linear_crossing(points, 0.5);
  EXPECT_EQ(crossing.location, Location::bracketed);
  EXPECT_DOUBLE_EQ(crossing.crossing, 0.14);
  EXPECT_EQ(crossing.lower_alpha, 0.13);
  EXPECT_EQ(crossing.upper_alpha, 0.15);
  // (a2 - a1)^2 [(L - y2)^2 e1^2 + (y1 - L)^2 e2^2] / (y1 - y2)^4 = 4e-4 * 1.8e-5 / 0.1296
  EXPECT_NEAR(crossing.crossing_stderr, std::sqrt(4e-4 * 1.8e-5 / 0.1296), 1e-15);
  EXPECT_EQ(crossing.downward_crossings, 1);

  const std::vector<MeanPoint> wiggly = {
      {0.1, 0.9, 0.01, 100}, {0.2, 0.4, 0.01, 100}, {0.3, 0.6, 0.01, 100}, {0.4, 0.1, 0.01, 100}};
  const auto first = linear_crossing(wiggly, 0.5);
  EXPECT_EQ(first.downward_crossings, 2);
  EXPECT_DOUBLE_EQ(first.crossing, 0.18);
  const std::vector<MeanPoint> rising = {{0.1, 0.1, 0.01, 100}, {0.2, 0.9, 0.01, 100}};
  EXPECT_EQ(linear_crossing(rising, 0.5).location, Location::undetermined);
}

TEST(LinearCrossing, RetrievalFractionRecoversKnownCurve) {
  // Loads symmetric about alpha_c, so linear interpolation of Phi is unbiased at the midpoint.
  for (std::uint64_t r = 0; r < 5; ++r) {
    const auto points = synthetic(200 + r);
    const auto crossing = linear_crossing(points);
    ASSERT_EQ(crossing.location, Location::bracketed);
    EXPECT_LT(std::fabs(crossing.crossing - kAlphaC), 4 * crossing.crossing_stderr);
    EXPECT_NEAR(crossing.lower_alpha, 0.1375, 0.0051);
  }
  // A point with 0 of n still carries an error: (1/2) / (n + 1) smoothing.
  const std::vector<BinomialPoint> edge = {{0.13, 100, 100}, {0.15, 0, 100}};
  const auto crossing = linear_crossing(edge);
  EXPECT_DOUBLE_EQ(crossing.crossing, 0.14);
  EXPECT_GT(crossing.crossing_stderr, 0);
}

TEST(Points, CountsAndMeans) {
  const std::vector<std::uint8_t> outcomes = {1, 0, 1, 1, 0};
  const auto point = binomial_point(0.12, outcomes);
  EXPECT_EQ(point.successes, 3);
  EXPECT_EQ(point.trials, 5);
  const std::vector<std::uint8_t> bad = {1, 2};
  EXPECT_THROW(binomial_point(0.12, bad), std::invalid_argument);
  const std::vector<double> overlaps = {1.0, 0.5, 0.0, 0.5};
  const auto mean = mean_point(0.12, overlaps);
  EXPECT_DOUBLE_EQ(mean.mean, 0.5);
  EXPECT_DOUBLE_EQ(mean.stderr_mean, std::sqrt(0.5 / 3 / 4));
  const std::vector<BinomialPoint> invalid = {{0.1, 5, 4}, {0.2, 0, 4}};
  EXPECT_THROW(fit_crossing(invalid), std::invalid_argument);
  FitOptions options;
  options.level = 1;
  EXPECT_THROW(fit_crossing(synthetic(0), options), std::invalid_argument);
}
