#pragma once
// Proposal policies for configurations that are permutations (or any sequence whose order is
// the configuration): a problem composes them in its `propose`/`apply`. Each states whether its
// proposal is symmetric, g(a -> b) = g(b -> a), which is what the Metropolis acceptance (4.12)
// of the engine assumes; `kSymmetric` is checked by static_assert where a problem uses it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/rng.hpp"

namespace nnsim::anneal {

/// Two positions of a sequence; what they mean depends on the policy that drew them.
struct PositionPair {
  std::size_t first = 0;
  std::size_t second = 0;
  friend bool operator==(const PositionPair&, const PositionPair&) = default;
};

/// An ordered pair (i, j), i != j, uniform over the n (n - 1) possibilities; (0, 0) if n < 2.
PositionPair draw_distinct_positions(std::size_t n, RandomStream& rng);

/// Reverses the block [first, second] (first < second), uniform over the n (n - 1) / 2 blocks
/// of length >= 2 (2-opt). Symmetric: a reversal is its own inverse and every block has the
/// same probability, so g(a -> b) = g(b -> a).
struct SubsequenceReversal {
  static constexpr bool kSymmetric = true;
  static PositionPair propose(std::size_t n, RandomStream& rng);
  template <class T>
  static void apply(std::span<T> sequence, PositionPair move) {
    std::reverse(sequence.begin() + static_cast<std::ptrdiff_t>(move.first),
                 sequence.begin() + static_cast<std::ptrdiff_t>(move.second) + 1);
  }
};

/// Swaps the elements at first < second, uniform over the n (n - 1) / 2 pairs. Symmetric: a
/// transposition is its own inverse.
struct Transposition {
  static constexpr bool kSymmetric = true;
  static PositionPair propose(std::size_t n, RandomStream& rng);
  template <class T>
  static void apply(std::span<T> sequence, PositionPair move) {
    std::swap(sequence[move.first], sequence[move.second]);
  }
};

/// Takes the element at `first` out and inserts it so that it ends at position `second`
/// (first != second), uniform over the n (n - 1) ordered pairs. Symmetric: (i -> j) is undone
/// by (j -> i), a bijection between the pairs leading a -> b and those leading b -> a, and all
/// pairs have the same probability (adjacent pairs give the same permutation both ways, which
/// the bijection also covers).
struct Relocation {
  static constexpr bool kSymmetric = true;
  static PositionPair propose(std::size_t n, RandomStream& rng);
  template <class T>
  static void apply(std::span<T> sequence, PositionPair move) {
    const auto begin = sequence.begin();
    const auto from = static_cast<std::ptrdiff_t>(move.first);
    const auto to = static_cast<std::ptrdiff_t>(move.second);
    if (from < to) {
      std::rotate(begin + from, begin + from + 1, begin + to + 1);
    } else if (to < from) {
      std::rotate(begin + to, begin + from, begin + from + 1);
    }
  }
};

}  // namespace nnsim::anneal
