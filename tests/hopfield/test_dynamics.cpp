#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ensemble/accumulator.hpp"
#include "hopfield/dynamics.hpp"
#include "hopfield/network.hpp"

using namespace nnsim;
using namespace nnsim::hopfield;

namespace {
const WeightStorage kStorages[] = {WeightStorage::kPatterns, WeightStorage::kMatrix};

std::int64_t brute_field(const PatternSet& x, std::span<const std::int8_t> s, std::size_t i, Diagonal diagonal) {
  std::int64_t h = 0;
  for (std::size_t j = 0; j < x.num_neurons(); ++j) {
    if (j == i && diagonal == Diagonal::kZero) continue;
    std::int64_t w = 0;
    for (std::size_t mu = 0; mu < x.num_patterns(); ++mu) w += x.value(mu, i) * x.value(mu, j);
    h += w * s[j];
  }
  return h;
}
}  // namespace

// The book's N = 4 example (Figs. 2.3-2.4): one stored pattern x; a distorted pattern with
// one wrong bit goes to x in one synchronous step, one with three wrong bits (the inverted
// pattern with one wrong bit) goes to -x.
TEST(Dynamics, BookFourNeuronExampleConvergesInOneSynchronousStep) {
  PatternSet x(1, 4);
  const int pattern[4] = {1, -1, -1, 1};
  for (std::size_t i = 0; i < 4; ++i) x.set(0, i, pattern[i]);
  for (const auto storage : kStorages) {
    HopfieldNetwork net(x, Diagonal::kZero, storage);
    const std::vector<std::int8_t> one_wrong = {1, 1, -1, 1};
    net.set_state(one_wrong);
    EXPECT_EQ(net.update_synchronous(), 1u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(net.spin(i), pattern[i]) << to_string(storage);
    EXPECT_TRUE(net.is_fixed_point());
    const std::vector<std::int8_t> three_wrong = {-1, 1, 1, 1};
    net.set_state(three_wrong);
    EXPECT_EQ(net.update_synchronous(), 1u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(net.spin(i), -pattern[i]) << to_string(storage);
    EXPECT_EQ(net.overlap(0), -1.0);
  }
}

TEST(Dynamics, FieldsMatchBruteForceInBothStoragesAfterFlips) {
  for (const auto diagonal : {Diagonal::kZero, Diagonal::kKeep}) {
    auto rng = make_stream(4, 0, 0, 0);
    const auto x = PatternSet::random(13, 150, rng);
    for (const auto storage : kStorages) {
      HopfieldNetwork net(x, diagonal, storage);
      auto init = make_stream(4, 1, 0, 0);
      net.set_state_from_pattern(2, 0.3, init);
      for (int k = 0; k < 40; ++k) net.flip(init.below(150));
      for (std::size_t i = 0; i < 150; ++i) {
        ASSERT_EQ(net.field(i), brute_field(x, net.state(), i, diagonal)) << to_string(storage) << " i=" << i;
      }
      std::int64_t m2 = 0;
      for (std::size_t i = 0; i < 150; ++i) m2 += x.value(2, i) * net.spin(i);
      EXPECT_EQ(net.overlap_sum(2), m2);
    }
  }
}

TEST(Dynamics, InitialStateHasExactlyTheRequestedFlips) {
  auto rng = make_stream(5, 0, 0, 0);
  const auto x = PatternSet::random(3, 1000, rng);
  HopfieldNetwork net(x, Diagonal::kZero, WeightStorage::kPatterns);
  auto init = make_stream(5, 0, 0, 1);
  net.set_state_from_pattern(1, 0.137, init);
  EXPECT_EQ(net.overlap_sum(1), 1000 - 2 * 137);
}

// The energy (2.45) never increases under deterministic asynchronous updates (w symmetric,
// w_ii >= 0), checked after every single update on random networks from random states.
TEST(Dynamics, EnergyNeverIncreasesUnderAsynchronousUpdates) {
  for (const auto diagonal : {Diagonal::kZero, Diagonal::kKeep}) {
    for (const auto storage : kStorages) {
      for (std::uint64_t trial = 0; trial < 5; ++trial) {
        auto rng = make_stream(6, trial, 0, 0);
        const auto x = PatternSet::random(40, 200, rng);  // alpha = 0.2: plenty of flips
        HopfieldNetwork net(x, diagonal, storage);
        auto init = make_stream(6, trial, 0, 1);
        net.set_state_from_pattern(0, 0.5, init);  // a random state
        double energy = net.energy();
        std::uint64_t flips = 0;
        for (int sweep = 0; sweep < 500 && !net.is_fixed_point(); ++sweep) {
          for (int k = 0; k < 200; ++k) {
            flips += net.update_deterministic(init.below(200));
            const double now = net.energy();
            ASSERT_LE(now, energy + 1e-12) << "sweep " << sweep << " update " << k;
            energy = now;
          }
        }
        EXPECT_GT(flips, 10u);
        EXPECT_TRUE(net.is_fixed_point()) << "a bounded energy must reach a fixed point";
      }
    }
  }
}

// Fields are exact integers, so both storages take identical decisions: same trajectory.
TEST(Dynamics, BothStoragesGiveIdenticalTrajectories) {
  auto rng = make_stream(8, 0, 0, 0);
  const auto x = PatternSet::random(30, 256, rng);
  for (const double beta : {std::numeric_limits<double>::infinity(), 3.0}) {
    std::vector<Trajectory> runs;
    for (const auto storage : kStorages) {
      HopfieldNetwork net(x, Diagonal::kZero, storage);
      auto init = make_stream(8, 1, 0, 1);
      net.set_state_from_pattern(0, 0.1, init);
      auto dyn = make_stream(8, 1, 0, 2);
      DynamicsOptions options;
      options.beta = beta;
      options.max_sweeps = 50;
      options.trace_every = 1;
      runs.push_back(run_dynamics(net, 0, options, dyn));
    }
    EXPECT_EQ(runs[0].flips, runs[1].flips);
    EXPECT_EQ(runs[0].overlap_trace, runs[1].overlap_trace);
    EXPECT_EQ(runs[0].final_energy, runs[1].final_energy);
  }
}

TEST(Dynamics, DeterministicRunsStopAtAFixedPoint) {
  auto rng = make_stream(9, 0, 0, 0);
  const auto x = PatternSet::random(50, 1000, rng);  // alpha = 0.05: retrieval
  for (const auto rule : {UpdateRule::kRandomSequential, UpdateRule::kFixedOrder, UpdateRule::kSynchronous}) {
    HopfieldNetwork net(x, Diagonal::kZero, WeightStorage::kPatterns);
    auto init = make_stream(9, 0, 0, 1);
    net.set_state_from_pattern(0, 0.1, init);
    auto dyn = make_stream(9, 0, 0, 2);
    DynamicsOptions options;
    options.rule = rule;
    const auto t = run_dynamics(net, 0, options, dyn);
    EXPECT_TRUE(t.converged);
    EXPECT_TRUE(net.is_fixed_point());
    EXPECT_GT(t.final_overlap, 0.99);
    EXPECT_EQ(t.wrong_bits, static_cast<std::uint64_t>(std::llround((1 - t.final_overlap) / 2 * 1000)));
    EXPECT_LT(t.sweeps, 20u);
  }
}

TEST(Binning, IndependentSeriesGivesNaiveErrorAndCorrelatedSeriesALargerOne) {
  auto rng = make_stream(10, 0, 0, 0);
  std::vector<double> white(4096), correlated(4096);
  double a = 0;
  for (std::size_t k = 0; k < white.size(); ++k) {
    white[k] = rng.uniform();
    a = 0.95 * a + (rng.uniform() - 0.5);  // AR(1), integrated time ~ (1+0.95)/(1-0.95) = 39
    correlated[k] = a;
  }
  const double naive_white = std::sqrt(1.0 / 12 / 4096);
  EXPECT_NEAR(binning_error(white), naive_white, 0.25 * naive_white);
  double mean = 0, var = 0;
  for (const double v : correlated) mean += v;
  mean /= 4096;
  for (const double v : correlated) var += (v - mean) * (v - mean);
  const double naive_correlated = std::sqrt(var / 4095 / 4096);
  EXPECT_GT(binning_error(correlated), 4 * naive_correlated) << "sqrt(39) ~ 6x the naive error";
}

// Small alpha (p = 2, N = 4000): the time-averaged overlap m_1 solves m = tanh(beta m) (3.14),
// within 4 standard errors over 16 independent trajectories, at beta = 1.5 and 2.5.
TEST(Dynamics, SmallLoadOrderParameterSolvesTanhEquation) {
  for (const double beta : {1.5, 2.5}) {
    double m_theory = 1;
    for (int k = 0; k < 10000; ++k) m_theory = std::tanh(beta * m_theory);
    std::vector<double> averages;
    for (std::uint64_t sample = 0; sample < 16; ++sample) {
      auto rng = make_stream(11, 0, sample, 0);
      const auto x = PatternSet::random(2, 4000, rng);
      HopfieldNetwork net(x, Diagonal::kZero, WeightStorage::kPatterns);
      auto init = make_stream(11, 0, sample, 1);
      net.set_state_from_pattern(0, 0.0, init);
      auto dyn = make_stream(11, 0, sample, 2);
      DynamicsOptions options;
      options.beta = beta;
      options.max_sweeps = 300;
      options.transient_sweeps = 50;
      averages.push_back(run_dynamics(net, 0, options, dyn).time_average_overlap);
    }
    const auto s = summarize(averages);
    EXPECT_NEAR(s.mean, m_theory, 4 * s.stderr_of_mean) << "beta=" << beta;
    std::printf("beta=%.1f: simulated m_1 = %.5f +- %.5f, tanh(beta m) solution %.5f\n", beta, s.mean,
                s.stderr_of_mean, m_theory);
  }
}
