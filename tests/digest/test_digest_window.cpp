// The exact window move of DoubleDigest (a block heat-bath update, digest.hpp): its arrangements,
// its energy changes against full recomputation, its Boltzmann sampling and its use by the engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "anneal/annealer.hpp"
#include "anneal/digest.hpp"
#include "book_instances.hpp"
#include "core/error.hpp"

namespace nnsim::anneal {
namespace {

static_assert(HeatBathProblem<DoubleDigest>);

std::vector<Instance> test_instances() {
  std::vector<Instance> instances = testing::book_instances();
  RandomStream rng(2024, 88, 0, 0);
  instances.push_back(planted_instance("planted12", 50000, 12, 12, rng).instance);
  instances.push_back(planted_instance("planted25x20", 200000, 25, 20, rng).instance);
  instances.push_back(planted_instance("coincident", 30, 6, 7, rng, true).instance);
  instances.push_back({"repeats", 12, {3, 3, 3, 3}, {2, 4, 2, 4}, {3, 3, 2, 2, 1, 1}});
  return instances;
}

constexpr DigestEnergy kForms[] = {DigestEnergy::book, DigestEnergy::unmatched};

DigestMoveMix window_mix(int size, double window = 1.0) {
  DigestMoveMix mix{1, 1, 1};
  mix.window = window;
  mix.window_size = size;
  return mix;
}

TEST(DigestWindow, ArrangementRanksFollowLexicographicOrder) {
  // Rank k applied to the identity ordering is the k-th permutation of std::next_permutation.
  const Instance instance{"eight", 72, {1, 2, 3, 4, 5, 6, 7, 44}, {72}, {1, 2, 3, 4, 5, 6, 7, 44}};
  for (int w = 2; w <= 6; ++w) {
    const DoubleDigest problem(instance, window_mix(w));
    std::vector<int> expected(instance.a.size());
    std::iota(expected.begin(), expected.end(), 0);
    std::set<std::vector<int>> seen;
    std::uint32_t rank = 0;
    do {
      const DigestState identity = problem.make_state({0, 1, 2, 3, 4, 5, 6, 7}, {0});
      DigestState state = identity;
      DigestMove move;
      move.kind = DigestMove::Kind::window;
      move.first = 1;
      move.second = 1 + w - 1;
      move.arrangement = rank;
      problem.apply(state, move);
      std::vector<int> want = identity.sigma;
      for (int k = 0; k < w; ++k) want[static_cast<std::size_t>(1 + k)] = 1 + expected[static_cast<std::size_t>(k)];
      ASSERT_EQ(state.sigma, want) << "w " << w << " rank " << rank;
      seen.insert(state.sigma);
      ++rank;
    } while (std::next_permutation(expected.begin(), expected.begin() + w));
    EXPECT_EQ(seen.size(), rank);  // w! distinct orderings
  }
}

TEST(DigestWindow, DeltasMatchFullRecomputation) {
  for (const DigestEnergy form : kForms)
  for (const Instance& instance : test_instances()) {
    SCOPED_TRACE(instance.name + " " + to_string(form));
    const DoubleDigest problem(instance, window_mix(4, 3.0), form);
    RandomStream rng(12, 88, 1, 0);
    auto state = problem.random_state(rng);
    double energy = problem.energy(state);
    int windows = 0;
    for (int step = 0; step < 600; ++step) {
      const DigestMove move = problem.propose(state, rng);
      // The plain proposal (random arrangement): delta and caches as for the other moves.
      const double predicted = problem.delta(state, move);
      auto after = state;
      problem.apply(after, move);
      const double energy_after = problem.energy(after);
      const double scale = std::max({std::abs(energy), std::abs(energy_after), 1.0});
      ASSERT_NEAR(predicted, energy_after - energy, 1e-9 * scale) << "step " << step;
      const auto rebuilt = problem.make_state(after.sigma, after.mu);
      ASSERT_EQ(after.pieces, rebuilt.pieces);
      ASSERT_EQ(after.a_positions, rebuilt.a_positions);
      ASSERT_EQ(after.b_positions, rebuilt.b_positions);
      if (move.kind == DigestMove::Kind::window) {
        ++windows;
        const int w = move.second - move.first + 1;
        ASSERT_EQ(w, std::min<int>(4, static_cast<int>(move.enzyme == 0 ? instance.a.size() : instance.b.size())));
        // Every arrangement's change equals the full recomputation.
        const std::vector<double> deltas = problem.window_deltas(state, move);
        std::size_t count = 1;
        for (int k = 2; k <= w; ++k) count *= static_cast<std::size_t>(k);
        ASSERT_EQ(deltas.size(), count);
        ASSERT_EQ(deltas[0], 0.0);
        for (std::size_t k = 0; k < deltas.size(); ++k) {
          DigestMove arranged = move;
          arranged.arrangement = static_cast<std::uint32_t>(k);
          auto other = state;
          problem.apply(other, arranged);
          ASSERT_NEAR(deltas[k], problem.energy(other) - energy, 1e-9 * scale) << "arrangement " << k;
        }
        // The heat-bath update reports the change it made.
        auto resampled = state;
        const HeatBathOutcome outcome = problem.resample(resampled, move, 0.7, rng);
        ASSERT_NEAR(outcome.delta, problem.energy(resampled) - energy, 1e-9 * scale);
        ASSERT_EQ(outcome.changed, resampled.sigma != state.sigma || resampled.mu != state.mu);
        ASSERT_EQ(resampled.pieces, problem.make_state(resampled.sigma, resampled.mu).pieces);
      }
      if (predicted <= 0 || rng.uniform() < 0.5) {
        state = std::move(after);
        energy = energy_after;
      }
    }
    EXPECT_GT(windows, 240);  // half of the proposals
  }
}

TEST(DigestWindow, ProposalIsSymmetric) {
  // A window move and the arrangement of the inverse permutation (same window, drawn with the
  // same probability 1 / w!) undo each other.
  const Instance instance = testing::book_instances()[2];
  const DoubleDigest problem(instance, window_mix(5, 1.0));
  RandomStream rng(4, 88, 2, 0);
  auto state = problem.random_state(rng);
  int windows = 0;
  for (int step = 0; step < 400; ++step) {
    const DigestMove move = problem.propose(state, rng);
    if (move.kind != DigestMove::Kind::window) continue;
    ++windows;
    auto after = state;
    problem.apply(after, move);
    const auto& before_order = move.enzyme == 0 ? state.sigma : state.mu;
    const auto& after_order = move.enzyme == 0 ? after.sigma : after.mu;
    // The inverse arrangement: the permutation of window positions that maps after back to before.
    std::vector<int> index(static_cast<std::size_t>(move.second - move.first + 1));
    std::iota(index.begin(), index.end(), 0);
    std::uint32_t rank = 0;
    bool found = false;
    do {
      bool undoes = true;
      for (std::size_t k = 0; k < index.size() && undoes; ++k) {
        undoes = after_order[static_cast<std::size_t>(move.first) + static_cast<std::size_t>(index[k])] ==
                 before_order[static_cast<std::size_t>(move.first) + k];
      }
      if (undoes) {
        found = true;
        break;
      }
      ++rank;
    } while (std::next_permutation(index.begin(), index.end()));
    ASSERT_TRUE(found);
    DigestMove inverse = move;
    inverse.arrangement = rank;
    problem.apply(after, inverse);
    ASSERT_EQ(after.sigma, state.sigma);
    ASSERT_EQ(after.mu, state.mu);
    ASSERT_EQ(after.pieces, state.pieces);
    problem.apply(state, move);
  }
  EXPECT_GT(windows, 70);  // a quarter of the proposals
}

TEST(DigestWindow, HeatBathDrawsFromTheConditionalBoltzmannDistribution) {
  // Fixed state and window of 4 fragments (24 arrangements) on L20000 with the book energy (many
  // distinct changes); 40,000 draws at T = 300: every arrangement's frequency within 5 standard
  // errors of exp(-delta / T) / Z, and the draws leave the state's other fragments alone.
  const Instance instance = testing::book_instances()[1];
  const DoubleDigest problem(instance, window_mix(4), DigestEnergy::book);
  RandomStream rng(5, 88, 3, 0);
  const DigestState state = problem.random_state(rng);
  DigestMove move;
  move.kind = DigestMove::Kind::window;
  move.enzyme = 0;
  move.first = 1;
  move.second = 4;
  const std::vector<double> deltas = problem.window_deltas(state, move);
  const double temperature = 300;
  std::vector<double> p(deltas.size());
  for (std::size_t k = 0; k < p.size(); ++k) p[k] = std::exp(-deltas[k] / temperature);
  const double z = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= z;
  ASSERT_LT(*std::max_element(p.begin(), p.end()), 0.9);  // not a degenerate test
  const int draws = 40000;
  std::vector<int> counts(deltas.size(), 0);
  for (int d = 0; d < draws; ++d) {
    DigestState copy = state;
    const HeatBathOutcome outcome = problem.resample(copy, move, temperature, rng);
    for (std::size_t k = 0; k < deltas.size(); ++k) {
      DigestMove arranged = move;
      arranged.arrangement = static_cast<std::uint32_t>(k);
      DigestState candidate = state;
      problem.apply(candidate, arranged);
      if (candidate.sigma == copy.sigma) {
        ++counts[k];
        ASSERT_EQ(outcome.delta, deltas[k]);
        break;
      }
    }
    ASSERT_EQ(copy.mu, state.mu);
  }
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), 0), draws);
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double se = std::sqrt(draws * p[k] * (1 - p[k]));
    EXPECT_NEAR(counts[k], draws * p[k], 5 * std::max(se, 1.0)) << "arrangement " << k;
  }
  // At T -> 0 the update re-optimises the window exactly: it lands on a lowest arrangement.
  DigestState copy = state;
  const HeatBathOutcome quench = problem.resample(copy, move, 1e-9, rng);
  EXPECT_EQ(quench.delta, *std::min_element(deltas.begin(), deltas.end()));
}

TEST(DigestWindow, EngineKeepsEnergyBookkeepingAndSolvesPlanted) {
  // Replica exchange with the window move on a planted 14 x 14 instance: solved, and the energy
  // the engine carried equals a full recomputation of the final state.
  RandomStream irng(2026, 88, 4, 0);
  const Instance instance = planted_instance("planted14", 1000000, 14, 14, irng).instance;
  DigestMoveMix mix{0.5, 0.25, 0.25};
  mix.window = 0.02;
  const DoubleDigest problem(instance, mix, DigestEnergy::unmatched);
  AnnealOptions options;
  options.max_steps = 20'000'000;
  options.replica_exchange.replicas = 12;
  options.initial_acceptance = 0.5;
  options.final_acceptance = 1e-6;
  RandomStream rng(2026, 88, 5, 0);
  const auto result = minimize(problem, options, rng);
  EXPECT_TRUE(result.solved);
  EXPECT_EQ(result.best_energy, 0.0);
  EXPECT_EQ(problem.energy(result.best_state), 0.0);
  EXPECT_EQ(result.final_energy, problem.energy(result.final_state));
  EXPECT_TRUE(verify_map(instance, problem.map(result.best_state)));
}

TEST(DigestWindow, RejectsBadWindowSizes) {
  const Instance instance = testing::book_instances()[0];
  EXPECT_THROW(DoubleDigest(instance, window_mix(1)), UsageError);
  EXPECT_THROW(DoubleDigest(instance, window_mix(9)), UsageError);
  EXPECT_THROW(DoubleDigest(instance, window_mix(4, -1.0)), UsageError);
  DigestMoveMix only_window{0, 0, 0};
  only_window.window = 1;
  EXPECT_NO_THROW(DoubleDigest(instance, only_window));
}

}  // namespace
}  // namespace nnsim::anneal
