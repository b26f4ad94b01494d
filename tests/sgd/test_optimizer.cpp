// Each optimiser against the update rule written out by hand, on a quadratic where the
// trajectory is known: SGD, momentum (6.31), Nesterov (6.35), weight decay (7.50), schedules.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "sgd/optimizer.hpp"

namespace {

using namespace nnsim::sgd;

// H(w) = 1/2 sum_i k_i w_i^2, gradient k_i w_i.
std::vector<double> gradient_of(const std::vector<double>& w, const std::vector<double>& k) {
  std::vector<double> g(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) g[i] = k[i] * w[i];
  return g;
}

TEST(Optimizer, PlainSgdIsGradientDescent) {
  OptimizerSettings s;
  s.method = Method::kSgd;
  s.learning_rate = 0.1;
  Optimizer<double> opt(s, 2, {});
  std::vector<double> w = {1.0, -2.0}, k = {1.0, 3.0};
  for (int t = 0; t < 5; ++t) {
    auto g = gradient_of(w, k);
    opt.step(w, g, 0);
  }
  EXPECT_NEAR(w[0], std::pow(1 - 0.1 * 1.0, 5), 1e-15);
  EXPECT_NEAR(w[1], -2.0 * std::pow(1 - 0.1 * 3.0, 5), 1e-15);
}

TEST(Optimizer, MomentumFollowsSixThirtyOne) {
  OptimizerSettings s;
  s.method = Method::kMomentum;
  s.learning_rate = 0.05;
  s.momentum = 0.9;
  Optimizer<double> opt(s, 1, {});
  std::vector<double> w = {1.0}, k = {2.0};
  double ref_w = 1.0, ref_v = 0.0;
  for (int t = 0; t < 20; ++t) {
    auto g = gradient_of(w, k);
    opt.step(w, g, 0);
    ref_v = 0.9 * ref_v - 0.05 * 2.0 * ref_w;  // (6.31)
    ref_w += ref_v;
    EXPECT_DOUBLE_EQ(w[0], ref_w) << "step " << t;
  }
  EXPECT_DOUBLE_EQ(opt.velocity()[0], ref_v);
}

TEST(Optimizer, NesterovTakesTheGradientAtTheLookAheadPoint) {
  OptimizerSettings s;
  s.method = Method::kNesterov;
  s.learning_rate = 0.05;
  s.momentum = 0.9;
  Optimizer<double> opt(s, 1, {});
  std::vector<double> u = {1.0}, k = {2.0};
  // (6.35) in the book's variables: v' = alpha v - eta grad H(w + alpha v); w' = w + v'.
  double w = 1.0, v = 0.0;
  for (int t = 0; t < 20; ++t) {
    auto g = gradient_of(u, k);  // the code stores u = w + alpha v
    opt.step(u, g, 0);
    v = 0.9 * v - 0.05 * 2.0 * (w + 0.9 * v);
    w += v;
    EXPECT_NEAR(u[0], w + 0.9 * v, 1e-14) << "step " << t;
  }
  // and it differs from plain momentum (the test can fail)
  Optimizer<double> momentum({Method::kMomentum, 0.05, 0.9}, 1, {});
  std::vector<double> m = {1.0};
  for (int t = 0; t < 20; ++t) {
    auto g = gradient_of(m, k);
    momentum.step(m, g, 0);
  }
  EXPECT_GT(std::abs(m[0] - w), 1e-3);
}

TEST(Optimizer, WeightDecayActsOnWeightsOnly) {
  OptimizerSettings s;
  s.method = Method::kSgd;
  s.learning_rate = 0.1;
  s.weight_decay = 0.5;
  Optimizer<double> opt(s, 3, {{0, 2}});  // parameters 0, 1 are weights, 2 a threshold
  std::vector<double> w = {1.0, 2.0, 3.0};
  std::vector<double> g = {0.0, 0.0, 0.0};
  opt.step(w, g, 0);
  EXPECT_DOUBLE_EQ(w[0], 1.0 * (1 - 0.1 * 0.5));  // (7.50): w <- (1 - eta gamma) w
  EXPECT_DOUBLE_EQ(w[1], 2.0 * (1 - 0.1 * 0.5));
  EXPECT_DOUBLE_EQ(w[2], 3.0);
}

TEST(Optimizer, Schedules) {
  OptimizerSettings s;
  s.learning_rate = 0.1;
  s.decay = 0.5;
  s.step_epochs = 3;
  s.total_epochs = 10;
  s.schedule = Schedule::kConstant;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 7), 0.1);
  s.schedule = Schedule::kExponential;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 2), 0.025);
  s.schedule = Schedule::kStep;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 2), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 3), 0.05);
  s.schedule = Schedule::kCosine;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0), 0.1);
  EXPECT_NEAR(learning_rate_at(s, 5), 0.05, 1e-15);
  EXPECT_NEAR(learning_rate_at(s, 10), 0.0, 1e-15);
  EXPECT_THROW(schedule_from_name("linear"), nnsim::UsageError);
  EXPECT_THROW(method_from_name("adam"), nnsim::UsageError);
}

}  // namespace
