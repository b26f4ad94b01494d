#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "capacity/collapse.hpp"
#include "synthetic.hpp"

using namespace nnsim::capacity;
using nnsim::capacity::testing::draw_binomial;
using nnsim::capacity::testing::probit_curve;

namespace {

constexpr double kAlphaInf = 0.138, kNu = 1.5, kWidth = 0.01;
constexpr std::uint64_t kKey = 0x636f6c6c61707365ULL;

// P = Phi([(alpha_inf - alpha) s_N + b] / w_0), s_N = (N / 800)^(1/nu), at N = 200 ... 3200
// (geometric mean 800), eight loads per size spanning +-2 widths of that size, n = 200 each.
std::vector<SizeData> synthetic(std::uint64_t repetition, double shift) {
  std::vector<SizeData> sizes;
  double n = 200;
  for (int i = 0; i < 5; ++i, n *= 2) {
    const double s = std::pow(n / 800, 1 / kNu), width = kWidth / s, centre = kAlphaInf + shift / s;
    SizeData size{n, {}};
    for (int j = 0; j < 8; ++j) {
      const double alpha = centre + width * (-2 + 4.0 * j / 7);
      const double p = probit_curve(alpha, centre, width);
      size.points.push_back(
          {alpha, draw_binomial(p, 200, 5, kKey, repetition, static_cast<std::uint64_t>(8 * i + j)), 200});
    }
    sizes.push_back(size);
  }
  return sizes;
}

}  // namespace

TEST(ScalingCollapse, RecoversLimitAndExponent) {
  for (std::uint64_t r = 0; r < 3; ++r) {
    const auto fit = fit_scaling_collapse(synthetic(r, 0));
    ASSERT_EQ(fit.status, FitStatus::converged) << fit.message;
    EXPECT_NEAR(fit.reference_size, 800, 1e-9);
    EXPECT_LT(std::fabs(fit.alpha_inf - kAlphaInf), 4 * fit.alpha_inf_stderr);
    EXPECT_LT(std::fabs(fit.nu - kNu), 4 * fit.nu_stderr);
    EXPECT_LT(std::fabs(fit.width - kWidth), 4 * fit.width_stderr);
    EXPECT_EQ(fit.degrees_of_freedom, 40 - 3);
    // The model is the truth: the deviance is ~chi^2(37), SD sqrt(74) = 8.6.
    EXPECT_LT(fit.deviance, 37 + 4 * 8.6);
    EXPECT_LT(fit.nu_stderr, 0.5);
  }
}

TEST(ScalingCollapse, FitsTheShiftOfTheCrossing) {
  const double shift = 0.01;  // alpha_c(N) = 0.138 + 0.01 (N / 800)^(-2/3)
  for (std::uint64_t r = 0; r < 3; ++r) {
    CollapseOptions options;
    options.fit_shift = true;
    const auto fit = fit_scaling_collapse(synthetic(10 + r, shift), options);
    ASSERT_EQ(fit.status, FitStatus::converged) << fit.message;
    EXPECT_LT(std::fabs(fit.alpha_inf - kAlphaInf), 4 * fit.alpha_inf_stderr);
    EXPECT_LT(std::fabs(fit.nu - kNu), 4 * fit.nu_stderr);
    EXPECT_LT(std::fabs(fit.shift - shift), 4 * fit.shift_stderr);
    // Without the shift term the same data are described badly.
    const auto unshifted = fit_scaling_collapse(synthetic(10 + r, shift));
    EXPECT_GT(unshifted.deviance, fit.deviance + 20);
  }
}

TEST(ScalingCollapse, NeedsTwoUsableSizes) {
  auto sizes = synthetic(0, 0);
  sizes.resize(1);
  const auto fit = fit_scaling_collapse(sizes);
  EXPECT_EQ(fit.status, FitStatus::too_few_points);
  EXPECT_FALSE(fit.message.empty());
}

// Over 200 data sets the Fisher error bars of alpha_inf and nu cover the truth ~68 % of the
// time (binomial SD of the fraction 0.033; bounds ~4 SD).
TEST(ScalingCollapse, ErrorBarsCoverTheTruthSixtyEightPercent) {
  int covered_alpha = 0, covered_nu = 0;
  constexpr int kRepetitions = 200;
  for (int r = 0; r < kRepetitions; ++r) {
    const auto fit = fit_scaling_collapse(synthetic(static_cast<std::uint64_t>(100 + r), 0));
    ASSERT_EQ(fit.status, FitStatus::converged) << fit.message;
    covered_alpha += std::fabs(fit.alpha_inf - kAlphaInf) <= fit.alpha_inf_stderr ? 1 : 0;
    covered_nu += std::fabs(fit.nu - kNu) <= fit.nu_stderr ? 1 : 0;
  }
  for (const int covered : {covered_alpha, covered_nu}) {
    EXPECT_GE(static_cast<double>(covered) / kRepetitions, 0.55);
    EXPECT_LE(static_cast<double>(covered) / kRepetitions, 0.80);
  }
}
