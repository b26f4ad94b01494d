#pragma once
// Small problems with known answers for the annealing tests.

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

#include "anneal/moves.hpp"
#include "anneal/problem.hpp"
#include "core/rng.hpp"

namespace nnsim::anneal::testing {

/// Lexicographic rank of a permutation of 0..n-1 (0 = identity).
inline std::size_t permutation_rank(std::span<const int> p) {
  std::size_t rank = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::size_t smaller_later = 0;
    for (std::size_t j = i + 1; j < p.size(); ++j) smaller_later += p[j] < p[i] ? 1u : 0u;
    std::size_t factorial = 1;
    for (std::size_t k = 2; k < p.size() - i; ++k) factorial *= k;
    rank += smaller_later * factorial;
  }
  return rank;
}

/// Permutations of 4 elements (24 states) with a made-up energy E = 0.5 ((7 rank) mod 5), so
/// 0 <= E <= 2 and the five ranks 0, 5, 10, 15, 20 have E = 0; transposition moves.
struct TablePermutations {
  using State = std::array<int, 4>;
  using Move = PositionPair;
  static constexpr std::size_t kStates = 24;
  static double energy_of_rank(std::size_t rank) { return 0.5 * static_cast<double>((7 * rank) % 5); }
  double energy(const State& s) const { return energy_of_rank(permutation_rank(s)); }
  State random_state(RandomStream& rng) const {
    State s{0, 1, 2, 3};
    for (std::size_t i = 3; i > 0; --i) std::swap(s[i], s[rng.below(i + 1)]);
    return s;
  }
  Move propose(const State& s, RandomStream& rng) const { return Transposition::propose(s.size(), rng); }
  double delta(const State& s, const Move& m) const {
    State after = s;
    apply(after, m);
    return energy(after) - energy(s);
  }
  void apply(State& s, const Move& m) const { Transposition::apply(std::span<int>(s), m); }
};
static_assert(Transposition::kSymmetric);

/// Permutations of n elements, E = number of inversions; subsequence reversals. The unique
/// ground state is the identity (E = 0), and every other permutation has an adjacent descent.
struct InversionCount {
  std::size_t n = 30;
  using State = std::vector<int>;
  using Move = PositionPair;
  double energy(const State& s) const {
    std::int64_t inversions = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      for (std::size_t j = i + 1; j < s.size(); ++j) inversions += s[i] > s[j] ? 1 : 0;
    return static_cast<double>(inversions);
  }
  State random_state(RandomStream& rng) const {
    State s(n);
    std::iota(s.begin(), s.end(), 0);
    for (std::size_t i = n - 1; i > 0; --i) std::swap(s[i], s[rng.below(i + 1)]);
    return s;
  }
  Move propose(const State& s, RandomStream& rng) const { return SubsequenceReversal::propose(s.size(), rng); }
  // Reversing a block inverts the order of its pairs only: L (L - 1) / 2 - 2 inv(block).
  double delta(const State& s, const Move& m) const {
    std::int64_t inside = 0;
    for (std::size_t i = m.first; i <= m.second; ++i)
      for (std::size_t j = i + 1; j <= m.second; ++j) inside += s[i] > s[j] ? 1 : 0;
    const auto length = static_cast<std::int64_t>(m.second - m.first + 1);
    return static_cast<double>(length * (length - 1) / 2 - 2 * inside);
  }
  void apply(State& s, const Move& m) const { SubsequenceReversal::apply(std::span<int>(s), m); }
};
static_assert(SubsequenceReversal::kSymmetric);

/// A ring of 1000 sites, moves +-1. A narrow deep basin around 0 (ring distance d <= 20,
/// E = 0.05 d, E = 0 only at 0) walled off by E = 100 for 21 <= d <= 30, and a wide deceptive
/// basin E = 1 + (500 - d) / 10 with its local minimum E = 1 at d = 500. At low T a run that
/// starts in the wide basin (96 % of random starts) stays there.
struct DeceptiveRing {
  static constexpr int kSites = 1000;
  using State = int;
  using Move = int;
  double energy(const State& x) const {
    const int d = std::min(x, kSites - x);
    if (d <= 20) return 0.05 * d;
    if (d <= 30) return 100.0;
    return 1.0 + (500 - d) / 10.0;
  }
  State random_state(RandomStream& rng) const { return static_cast<int>(rng.below(kSites)); }
  Move propose(const State&, RandomStream& rng) const { return rng.below(2) == 0 ? -1 : 1; }
  double delta(const State& x, const Move& m) const {
    State after = x;
    apply(after, m);
    return energy(after) - energy(x);
  }
  void apply(State& x, const Move& m) const { x = (x + m + kSites) % kSites; }
};

/// A ring of 100 sites, moves +-1, E = c (x mod 2): every move has |Delta H| = c.
struct ParityRing {
  double c = 0.3;
  using State = int;
  using Move = int;
  double energy(const State& x) const { return c * (x % 2); }
  State random_state(RandomStream& rng) const { return static_cast<int>(rng.below(100)); }
  Move propose(const State&, RandomStream& rng) const { return rng.below(2) == 0 ? -1 : 1; }
  double delta(const State& x, const Move& m) const {
    State after = x;
    apply(after, m);
    return energy(after) - energy(x);
  }
  void apply(State& x, const Move& m) const { x = (x + m + 100) % 100; }
};

static_assert(AnnealingProblem<TablePermutations> && AnnealingProblem<InversionCount> &&
              AnnealingProblem<DeceptiveRing> && AnnealingProblem<ParityRing>);

}  // namespace nnsim::anneal::testing
