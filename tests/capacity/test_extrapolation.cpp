#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "capacity/extrapolation.hpp"
#include "synthetic.hpp"

using namespace nnsim::capacity;
using nnsim::capacity::testing::draw_normal;

namespace {

constexpr double kAlphaInf = 0.138, kAmplitude = 0.5, kExponent = 2.0 / 3.0;
constexpr std::uint64_t kKey = 0x6578747261706f6cULL;

// alpha_c(N) = 0.138 + 0.5 N^(-2/3) + sigma z at N = 100 ... 6400 (doubling), sigma = 2e-4.
std::vector<SizePoint> synthetic(std::uint64_t repetition, int sizes = 7, double sigma = 2e-4) {
  std::vector<SizePoint> points;
  double n = 100;
  for (int i = 0; i < sizes; ++i, n *= 2) {
    const double noise = sigma * draw_normal(3, kKey, repetition, static_cast<std::uint64_t>(i));
    points.push_back({n, kAlphaInf + kAmplitude * std::pow(n, -kExponent) + noise, sigma});
  }
  return points;
}

}  // namespace

TEST(PowerLaw, FixedExponentRecoversLimit) {
  const auto fit = fit_power_law(synthetic(0), kExponent);
  ASSERT_EQ(fit.status, ExtrapolationStatus::ok);
  EXPECT_EQ(fit.degrees_of_freedom, 5);
  EXPECT_LT(std::fabs(fit.a_inf - kAlphaInf), 4 * fit.a_inf_stderr);
  EXPECT_LT(std::fabs(fit.amplitude - kAmplitude), 4 * fit.amplitude_stderr);
  EXPECT_TRUE(chi2_acceptable(fit.chi2, fit.degrees_of_freedom));
  EXPECT_LT(fit.correlation, 0);  // a larger limit needs a smaller amplitude
}

// chi^2 averages to dof and the a_inf error bar covers ~68 %: over 200 data sets the mean chi^2
// has SD sqrt(2 * 5 / 200) = 0.22 and the coverage fraction SD 0.033 (bounds ~4 SD).
TEST(PowerLaw, ChiSquareAndCoverageAreCalibrated) {
  double chi2_sum = 0;
  int covered = 0;
  constexpr int kRepetitions = 200;
  for (int r = 0; r < kRepetitions; ++r) {
    const auto fit = fit_power_law(synthetic(static_cast<std::uint64_t>(100 + r)), kExponent);
    chi2_sum += fit.chi2;
    covered += std::fabs(fit.a_inf - kAlphaInf) <= fit.a_inf_stderr ? 1 : 0;
  }
  EXPECT_NEAR(chi2_sum / kRepetitions, 5.0, 4 * 0.22);
  const double coverage = static_cast<double>(covered) / kRepetitions;
  EXPECT_GE(coverage, 0.55);
  EXPECT_LE(coverage, 0.80);
}

TEST(PowerLaw, FreeExponentRecoversExponent) {
  const auto exact = fit_power_law_free(synthetic(0, 7, 1e-12));
  ASSERT_EQ(exact.status, ExtrapolationStatus::ok) << exact.message;
  EXPECT_NEAR(exact.exponent, kExponent, 1e-5);
  EXPECT_NEAR(exact.a_inf, kAlphaInf, 1e-8);

  for (std::uint64_t r = 0; r < 5; ++r) {
    const auto fit = fit_power_law_free(synthetic(r));
    ASSERT_EQ(fit.status, ExtrapolationStatus::ok) << fit.message;
    EXPECT_FALSE(fit.exponent_at_bound);
    EXPECT_EQ(fit.degrees_of_freedom, 4);
    EXPECT_LT(std::fabs(fit.exponent - kExponent), 4 * fit.exponent_stderr);
    EXPECT_LT(std::fabs(fit.a_inf - kAlphaInf), 4 * fit.a_inf_stderr);
    // x free costs precision on a_inf.
    EXPECT_GT(fit.a_inf_stderr, fit_power_law(synthetic(r), kExponent).a_inf_stderr);
  }
}

TEST(PowerLaw, TooFewPointsAreRefused) {
  const auto two = synthetic(0, 2);
  EXPECT_EQ(fit_power_law(two, 0.5).status, ExtrapolationStatus::too_few_points);
  const auto three = synthetic(0, 3);
  EXPECT_EQ(fit_power_law(three, 0.5).status, ExtrapolationStatus::ok);
  const auto free_three = fit_power_law_free(three);
  EXPECT_EQ(free_three.status, ExtrapolationStatus::too_few_points);
  EXPECT_FALSE(free_three.message.empty());
  const std::vector<SizePoint> same_size = {{100, 0.2, 0.01}, {100, 0.21, 0.01}, {100, 0.19, 0.01}};
  EXPECT_EQ(fit_power_law(same_size, 0.5).status, ExtrapolationStatus::failed);
  const std::vector<SizePoint> bad = {{100, 0.2, 0}};
  EXPECT_THROW(fit_power_law(bad, 0.5), std::invalid_argument);
}

TEST(PowerLaw, RecommendationFollowsTheStatedRule) {
  const auto many = recommend_extrapolation(synthetic(1));
  EXPECT_TRUE(many.fit.exponent_free) << many.reason;
  EXPECT_EQ(many.candidates.size(), 4u);
  EXPECT_NE(many.reason.find("x free"), std::string::npos);

  // Four sizes: x free has 1 degree of freedom, so the best fixed x is taken; the data follow
  // x = 2/3 with errors far below the differences between the candidate models.
  const auto four = synthetic(1, 4, 1e-5);
  const auto choice = recommend_extrapolation(four);
  EXPECT_FALSE(choice.fit.exponent_free);
  EXPECT_DOUBLE_EQ(choice.fit.exponent, kExponent) << choice.reason;
  EXPECT_NE(choice.reason.find("1 degree of freedom"), std::string::npos) << choice.reason;

  const auto two = recommend_extrapolation(synthetic(1, 2));
  EXPECT_EQ(two.fit.status, ExtrapolationStatus::too_few_points) << two.reason;
}
