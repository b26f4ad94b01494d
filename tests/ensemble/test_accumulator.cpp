#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ensemble/accumulator.hpp"

TEST(Summary, MeanAndStandardErrorOfKnownSamples) {
  const std::vector<double> x = {1, 2, 3, 4};
  const auto s = nnsim::summarize(x);
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  // sample variance 5/3, stderr sqrt(5/3/4)
  EXPECT_DOUBLE_EQ(s.stderr_of_mean, std::sqrt(5.0 / 12.0));
}

TEST(Summary, LargeOffsetLosesNoDigits) {
  const std::vector<double> x = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  const auto s = nnsim::summarize(x);
  EXPECT_DOUBLE_EQ(s.mean, 1e9 + 2);
  EXPECT_NEAR(s.stderr_of_mean, std::sqrt(1.0 / 3.0), 1e-9);
}

TEST(Summary, EdgeCases) {
  EXPECT_TRUE(std::isnan(nnsim::summarize(std::vector<double>{}).mean));
  const auto one = nnsim::summarize(std::vector<double>{7});
  EXPECT_EQ(one.mean, 7);
  EXPECT_TRUE(std::isnan(one.stderr_of_mean)) << "an error bar from one sample is undefined, not zero";
}
