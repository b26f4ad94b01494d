#include "anneal/moves.hpp"

namespace nnsim::anneal {

PositionPair draw_distinct_positions(std::size_t n, RandomStream& rng) {
  if (n < 2) return {};
  const auto i = static_cast<std::size_t>(rng.below(n));
  auto j = static_cast<std::size_t>(rng.below(n - 1));
  if (j >= i) ++j;
  return {i, j};
}

namespace {
PositionPair ordered(PositionPair pair) {
  if (pair.second < pair.first) std::swap(pair.first, pair.second);
  return pair;
}
}  // namespace

// An ordered distinct pair, then sorted: each unordered pair twice out of n (n - 1), uniform.
PositionPair SubsequenceReversal::propose(std::size_t n, RandomStream& rng) {
  return ordered(draw_distinct_positions(n, rng));
}

PositionPair Transposition::propose(std::size_t n, RandomStream& rng) {
  return ordered(draw_distinct_positions(n, rng));
}

PositionPair Relocation::propose(std::size_t n, RandomStream& rng) { return draw_distinct_positions(n, rng); }

}  // namespace nnsim::anneal
