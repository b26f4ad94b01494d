// The energy (4.15), its incremental delta and the moves of DoubleDigest.
#include "anneal/digest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "anneal/digest_exact.hpp"
#include "book_instances.hpp"
#include "core/error.hpp"

namespace nnsim::anneal {
namespace {

/// Labelled orderings that realise a map (equal lengths take the lowest unused label).
std::pair<std::vector<int>, std::vector<int>> orders_of(const Instance& instance, const RestrictionMap& map) {
  auto order = [&](const std::vector<Length>& lengths, const std::vector<Length>& cuts) {
    std::vector<bool> used(lengths.size(), false);
    std::vector<int> result;
    for (const Length v : fragments_from_cuts(cuts, instance.L)) {
      for (std::size_t k = 0; k < lengths.size(); ++k) {
        if (!used[k] && lengths[k] == v) {
          used[k] = true;
          result.push_back(static_cast<int>(k));
          break;
        }
      }
    }
    return result;
  };
  return {order(instance.a, map.a_cuts), order(instance.b, map.b_cuts)};
}

std::vector<Instance> test_instances() {
  std::vector<Instance> instances = testing::book_instances();
  RandomStream rng(2024, 8, 0, 0);
  instances.push_back(planted_instance("planted12", 50000, 12, 12, rng).instance);
  instances.push_back(planted_instance("planted25x20", 200000, 25, 20, rng).instance);
  // Small L and many cuts: coincident cuts, hence |c| < n_a + n_b - 1 and padded zeros.
  instances.push_back(planted_instance("coincident", 30, 6, 7, rng, true).instance);
  // Repeated lengths.
  instances.push_back({"repeats", 12, {3, 3, 3, 3}, {2, 4, 2, 4}, {3, 3, 2, 2, 1, 1}});
  return instances;
}

constexpr DigestEnergy kForms[] = {DigestEnergy::book, DigestEnergy::unmatched};

TEST(DigestEnergy, SolutionsHaveZeroEnergyAndOthersPositive) {
  for (const DigestEnergy form : kForms)
  for (const Instance& instance : test_instances()) {
    SCOPED_TRACE(instance.name + " " + to_string(form));
    const DoubleDigest problem(instance, {}, form);
    // The enumerator is fast below ~15 fragments per enzyme; the large planted instance is
    // checked through its planted map (delta test below).
    if (instance.a.size() > 15) continue;
    const ExactResult exact = enumerate_solutions(instance);
    ASSERT_GT(exact.map_count, 0u);
    for (const RestrictionMap& map : exact.maps) {
      auto [sigma, mu] = orders_of(instance, map);
      const auto state = problem.make_state(sigma, mu);
      EXPECT_EQ(problem.energy(state), 0.0);
      EXPECT_EQ(problem.map(state), map);
    }
    RandomStream rng(7, 8, 1, 0);
    int positive = 0;
    for (int trial = 0; trial < 500; ++trial) {
      const auto state = problem.random_state(rng);
      const double energy = problem.energy(state);
      // H = 0 exactly for solutions (the padding convention keeps that true with coincidences).
      EXPECT_EQ(energy == 0.0, verify_map(instance, problem.map(state)));
      EXPECT_GE(energy, 0.0);
      positive += energy > 0;
    }
    if (instance.name != "repeats") {  // "repeats" has many solutions
      EXPECT_GT(positive, 400);
    }
  }
}

TEST(DigestEnergy, BookFormulaByHand) {
  // L10000 with the fragments in the listed order: A cuts 5976 7519 8838 9958, B cuts 4513 7336
  // 9393; pieces 4513 1463 1360 183 1319 555 565 42, sorted against c.
  const Instance instance = testing::book_instances()[0];
  const DoubleDigest problem(instance);
  const auto state = problem.make_state({0, 1, 2, 3, 4}, {0, 1, 2, 3});
  std::vector<double> c = {4513, 1543, 1319, 1120, 607, 514, 342, 42};
  std::vector<double> model = {4513, 1463, 1360, 1319, 565, 555, 183, 42};
  double expected = 0;
  for (std::size_t j = 0; j < c.size(); ++j) expected += (c[j] - model[j]) * (c[j] - model[j]) / c[j];
  EXPECT_NEAR(problem.energy(state), expected, 1e-9 * expected);
}

TEST(DigestEnergy, UnmatchedCountByHand) {
  // The state of BookFormulaByHand: model pieces 4513 1463 1360 1319 565 555 183 42 against c =
  // 4513 1543 1319 1120 607 514 342 42: 4513, 1319 and 42 are reproduced, five pieces are not.
  const Instance instance = testing::book_instances()[0];
  const DoubleDigest problem(instance, {}, DigestEnergy::unmatched);
  EXPECT_EQ(problem.energy(problem.make_state({0, 1, 2, 3, 4}, {0, 1, 2, 3})), 5.0);
  // Repeated values count as multisets; c = {3, 3, 2, 2, 1, 1} is padded with one zero (K = 7).
  // A cuts 3 6 9 (sigma = identity). mu = identity: B cuts 2 6 8, pieces 2 1 3 0 2 1 3 (the zero
  // at the coincident cut 6): all reproduced.
  const Instance repeats{"repeats", 12, {3, 3, 3, 3}, {2, 4, 2, 4}, {3, 3, 2, 2, 1, 1}};
  const DoubleDigest small(repeats, {}, DigestEnergy::unmatched);
  EXPECT_EQ(small.energy(small.make_state({0, 1, 2, 3}, {0, 1, 2, 3})), 0.0);
  // mu = 1 0 2 3: B cuts 4 6 8, pieces 3 1 2 0 2 1 3: all reproduced.
  EXPECT_EQ(small.energy(small.make_state({0, 1, 2, 3}, {1, 0, 2, 3})), 0.0);
  // mu = 0 2 1 3: B cuts 2 4 8, pieces 2 1 1 2 2 1 3 = {1, 1, 1, 2, 2, 2, 3}: the zero and one 3
  // of c are not reproduced.
  EXPECT_EQ(small.energy(small.make_state({0, 1, 2, 3}, {0, 2, 1, 3})), 2.0);
  EXPECT_EQ(to_string(DigestEnergy::unmatched), "unmatched");
  EXPECT_EQ(digest_energy_from_name("book"), DigestEnergy::book);
  EXPECT_THROW(digest_energy_from_name("Book"), UsageError);
}

TEST(DigestEnergy, DeltaMatchesFullRecomputation) {
  for (const DigestEnergy form : kForms)
  for (const Instance& instance : test_instances()) {
    SCOPED_TRACE(instance.name + " " + to_string(form));
    const DoubleDigest problem(instance, {1, 1, 1}, form);
    RandomStream rng(11, 8, 2, 0);
    auto state = problem.random_state(rng);
    double energy = problem.energy(state);
    int kinds[3] = {0, 0, 0};
    for (int step = 0; step < 3000; ++step) {
      const DigestMove move = problem.propose(state, rng);
      ++kinds[static_cast<int>(move.kind)];
      const double predicted = problem.delta(state, move);
      auto after = state;
      problem.apply(after, move);
      const double energy_after = problem.energy(after);
      ASSERT_NEAR(predicted, energy_after - energy, 1e-9 * std::max({std::abs(energy), std::abs(energy_after), 1.0}))
          << "step " << step << " kind " << static_cast<int>(move.kind) << " enzyme " << int(move.enzyme) << " "
          << move.first << " " << move.second;
      // The caches of apply() equal those built from scratch.
      const auto rebuilt = problem.make_state(after.sigma, after.mu);
      ASSERT_EQ(after.pieces, rebuilt.pieces);
      ASSERT_EQ(after.a_positions, rebuilt.a_positions);
      ASSERT_EQ(after.b_positions, rebuilt.b_positions);
      // Accept half of the moves so the walk visits many states; also low-energy ones.
      if (predicted <= 0 || rng.uniform() < 0.5) {
        state = std::move(after);
        energy = energy_after;
      }
    }
    for (int kind : kinds) EXPECT_GT(kind, 800);
  }
}

TEST(DigestEnergy, MovesHaveInversesOfEqualProposalProbability) {
  // Symmetry of the proposal: reverse and swap are involutions on the same (unordered) pair;
  // shift (i, j) is undone by shift (j, i). propose() draws each with a state-independent
  // probability, so undoing with the partner move returns the state.
  const Instance instance = testing::book_instances()[2];
  const DoubleDigest problem(instance);
  RandomStream rng(3, 8, 3, 0);
  auto state = problem.random_state(rng);
  for (int step = 0; step < 1000; ++step) {
    const DigestMove move = problem.propose(state, rng);
    ASSERT_GE(move.first, 0);
    ASSERT_NE(move.first, move.second);
    if (move.kind != DigestMove::Kind::shift) {
      ASSERT_LT(move.first, move.second);
    }
    auto after = state;
    problem.apply(after, move);
    DigestMove inverse = move;
    if (move.kind == DigestMove::Kind::shift) std::swap(inverse.first, inverse.second);
    problem.apply(after, inverse);
    ASSERT_EQ(after.sigma, state.sigma);
    ASSERT_EQ(after.mu, state.mu);
    ASSERT_EQ(after.pieces, state.pieces);
    problem.apply(state, move);
  }
}

TEST(DigestEnergy, BruteForceCountsMatchEnumerator) {
  // Every ordered pair of permutations of the two smaller book instances (2,880 and 518,400).
  for (const Instance& instance : {testing::book_instances()[0], testing::book_instances()[1],
                                   Instance{"repeats", 12, {3, 3, 3, 3}, {2, 4, 2, 4}, {3, 3, 2, 2, 1, 1}}}) {
    const DoubleDigest problem(instance);
    std::vector<int> sigma(instance.a.size()), mu(instance.b.size());
    std::iota(sigma.begin(), sigma.end(), 0);
    std::uint64_t zero_pairs = 0;
    do {
      std::iota(mu.begin(), mu.end(), 0);
      do {
        DigestState state;
        state.sigma = sigma;
        state.mu = mu;
        zero_pairs += problem.energy(state) == 0.0;
      } while (std::next_permutation(mu.begin(), mu.end()));
    } while (std::next_permutation(sigma.begin(), sigma.end()));
    const ExactResult exact = enumerate_solutions(instance);
    EXPECT_EQ(zero_pairs, exact.ordered_pairs) << instance.name;
  }
}

TEST(DigestEnergy, RejectsBadStatesAndMixes) {
  const Instance instance = testing::book_instances()[0];
  EXPECT_THROW(DoubleDigest(instance, {0, 0, 0}), UsageError);
  EXPECT_THROW(DoubleDigest(instance, {-1, 1, 1}), UsageError);
  const DoubleDigest problem(instance);
  EXPECT_THROW(problem.make_state({0, 1, 2, 3, 3}, {0, 1, 2, 3}), UsageError);
  EXPECT_THROW(problem.make_state({0, 1, 2, 3, 4}, {0, 1, 2}), UsageError);
}

}  // namespace
}  // namespace nnsim::anneal
