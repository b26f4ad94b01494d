// Detailed balance: at a fixed temperature the engine samples exp(-E / T) / Z, for plain
// Metropolis and for the coldest rung of replica exchange (which tests the swap rule).

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "anneal/annealer.hpp"
#include "problems.hpp"

using namespace nnsim;
using namespace nnsim::anneal;
using namespace nnsim::anneal::testing;

namespace {

std::vector<double> boltzmann(double temperature) {
  std::vector<double> p(TablePermutations::kStates);
  double z = 0;
  for (std::size_t r = 0; r < p.size(); ++r) z += p[r] = std::exp(-TablePermutations::energy_of_rank(r) / temperature);
  for (double& v : p) v /= z;
  return p;
}

/// Visit frequencies of the 24 states and their standard errors by batch means (batches of
/// `batch` thinned samples, long against the correlation time).
struct Frequencies {
  std::vector<double> mean, standard_error;
};

Frequencies batch_frequencies(const std::vector<std::size_t>& ranks, std::size_t batch) {
  const std::size_t batches = ranks.size() / batch;
  Frequencies f{std::vector<double>(TablePermutations::kStates, 0), std::vector<double>(TablePermutations::kStates, 0)};
  std::vector<std::vector<double>> per_batch(TablePermutations::kStates, std::vector<double>(batches, 0));
  for (std::size_t b = 0; b < batches; ++b)
    for (std::size_t k = 0; k < batch; ++k) per_batch[ranks[b * batch + k]][b] += 1.0 / static_cast<double>(batch);
  for (std::size_t s = 0; s < TablePermutations::kStates; ++s) {
    double mean = 0;
    for (const double v : per_batch[s]) mean += v;
    mean /= static_cast<double>(batches);
    double squares = 0;
    for (const double v : per_batch[s]) squares += (v - mean) * (v - mean);
    f.mean[s] = mean;
    f.standard_error[s] = std::sqrt(squares / static_cast<double>(batches - 1) / static_cast<double>(batches));
  }
  return f;
}

/// Every state within 4 standard errors of Boltzmann at T; and the test has power: some state
/// is more than 8 standard errors away from Boltzmann at 1.25 T.
void expect_boltzmann(const Frequencies& f, double temperature) {
  const auto p = boltzmann(temperature);
  const auto p_warmer = boltzmann(1.25 * temperature);
  double largest_warmer_deviation = 0;
  for (std::size_t s = 0; s < p.size(); ++s) {
    ASSERT_GT(f.standard_error[s], 0) << "state " << s;
    EXPECT_LE(std::abs(f.mean[s] - p[s]), 4 * f.standard_error[s])
        << "state " << s << ": frequency " << f.mean[s] << ", Boltzmann " << p[s] << ", s.e. " << f.standard_error[s];
    largest_warmer_deviation = std::max(largest_warmer_deviation, std::abs(p_warmer[s] - p[s]) / f.standard_error[s]);
  }
  EXPECT_GT(largest_warmer_deviation, 8.0);
}

}  // namespace

TEST(Metropolis, AcceptanceProbabilityIsMinOneExp) {
  EXPECT_EQ(acceptance_probability(-3.0, 1.0), 1.0);
  EXPECT_EQ(acceptance_probability(0.0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(acceptance_probability(2.0, 4.0), std::exp(-0.5));
  EXPECT_EQ(acceptance_probability(1.0, 0.0), 0.0);
  EXPECT_EQ(acceptance_probability(1.0, INFINITY), 1.0);
  EXPECT_EQ(swap_probability(1.0, 5.0, 2.0, 3.0), 1.0);  // the colder rung holds the higher energy
  EXPECT_DOUBLE_EQ(swap_probability(1.0, 3.0, 2.0, 5.0), std::exp(-1.0));
}

// The frequency of accepting Delta H = 1 at T = 1 is exp(-1) within 4 standard errors.
TEST(Metropolis, UphillAcceptanceFrequencyIsBoltzmannFactor) {
  auto rng = make_stream(11, 0, 0, 0);
  const int trials = 200000;
  int accepted = 0;
  for (int k = 0; k < trials; ++k) accepted += metropolis_accept(1.0, 1.0, rng) ? 1 : 0;
  const double p = std::exp(-1.0);
  const double standard_error = std::sqrt(p * (1 - p) / trials);
  EXPECT_NEAR(static_cast<double>(accepted) / trials, p, 4 * standard_error);
}

// Constant schedule at T = 1, a sample every 5 steps (the end of each level), 200 000 samples
// in 200 batches of 1000.
TEST(Metropolis, VisitFrequenciesAreBoltzmannAtFixedTemperature) {
  TablePermutations problem;
  AnnealOptions options;
  options.schedule = ConstantSchedule{};
  options.initial_temperature = options.final_temperature = 1.0;
  options.steps_per_temperature = 5;
  options.max_steps = 5 * 200000;
  options.stop_at_target = false;
  std::vector<std::size_t> ranks;
  ranks.reserve(200000);
  AnnealControl<TablePermutations::State> control;
  control.on_level = [&](const LevelReport&, const TablePermutations::State& s) {
    ranks.push_back(permutation_rank(s));
    return true;
  };
  auto rng = make_stream(2024, 1, 0, 0);
  const auto result = minimize(problem, options, rng, control);
  ASSERT_EQ(ranks.size(), 200000u);
  EXPECT_EQ(result.steps, options.max_steps);
  EXPECT_EQ(result.stop_reason, StopReason::kBudget);
  expect_boltzmann(batch_frequencies(ranks, 1000), 1.0);
}

// Replica exchange on the ladder 1, 1.6, 2.5, 4: the coldest rung, sampled after every exchange
// round (5 steps per rung), is Boltzmann at T = 1; every pair swaps sometimes but not always.
TEST(ReplicaExchange, ColdestRungIsBoltzmannAndSwapsArePartial) {
  TablePermutations problem;
  AnnealOptions options;
  options.replica_exchange.replicas = 4;
  options.replica_exchange.temperatures = {1.0, 1.6, 2.5, 4.0};
  options.replica_exchange.steps_per_exchange = 5;
  options.max_steps = 4 * 5 * 200000;
  options.stop_at_target = false;
  std::vector<std::size_t> ranks;
  ranks.reserve(200000);
  AnnealControl<TablePermutations::State> control;
  control.on_level = [&](const LevelReport& report, const TablePermutations::State& s) {
    EXPECT_EQ(report.temperature, 1.0);
    ranks.push_back(permutation_rank(s));
    return true;
  };
  auto rng = make_stream(2024, 2, 0, 0);
  const auto result = minimize(problem, options, rng, control);
  ASSERT_EQ(ranks.size(), 200000u);
  ASSERT_EQ(result.swap_acceptance.size(), 3u);
  for (const double a : result.swap_acceptance) {
    EXPECT_GT(a, 0.0);
    EXPECT_LT(a, 1.0);
  }
  expect_boltzmann(batch_frequencies(ranks, 1000), 1.0);
}
