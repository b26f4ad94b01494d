// The piece space of the double-digest problem (digest.hpp, "Configuration spaces"): an order of
// the observed double-digest pieces plus A / B / AB labels on the cuts between them.

#include <algorithm>
#include <numeric>

#include "anneal/digest.hpp"
#include "core/error.hpp"

namespace nnsim::anneal {

namespace {

/// Fragments of the enzyme whose label bit is `bit`: sums of consecutive pieces between its
/// cuts, ascending.
void fragments_of(const std::vector<Length>& c, const std::vector<int>& order, const std::vector<std::uint8_t>& cuts,
                  std::uint8_t bit, std::vector<Length>& out) {
  out.clear();
  Length length = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    length += c[static_cast<std::size_t>(order[k])];
    if (k < cuts.size() && (cuts[k] & bit) != 0) {
      out.push_back(length);
      length = 0;
    }
  }
  out.push_back(length);
  std::sort(out.begin(), out.end());
}

/// Size of the multiset intersection of two ascending lists.
std::size_t common_count(const std::vector<Length>& x, const std::vector<Length>& y) {
  std::size_t matched = 0;
  for (std::size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] == y[j]) {
      ++matched;
      ++i;
      ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return matched;
}

struct PieceScratch {
  std::vector<Length> a, b;
  std::vector<int> order;
  std::vector<std::uint8_t> cuts, block;
};
PieceScratch& piece_scratch() {
  thread_local PieceScratch buffers;
  return buffers;
}

/// Applies a piece-space move to (order, cuts) (digest.hpp).
void permute_pieces(std::vector<int>& order, std::vector<std::uint8_t>& cuts, const DigestMove& move,
                    std::vector<std::uint8_t>& block) {
  const auto i = static_cast<std::ptrdiff_t>(move.first);
  const auto j = static_cast<std::ptrdiff_t>(move.second);
  switch (move.kind) {
    case DigestMove::Kind::reverse:
      // Pieces i..j and the cuts between them, i..j-1.
      std::reverse(order.begin() + i, order.begin() + j + 1);
      std::reverse(cuts.begin() + i, cuts.begin() + j);
      break;
    case DigestMove::Kind::swap: std::iter_swap(order.begin() + i, order.begin() + j); break;
    case DigestMove::Kind::cut_swap: std::iter_swap(cuts.begin() + i, cuts.begin() + j); break;
    case DigestMove::Kind::transpose: {
      // Blocks X = [p0, p1), Y = [p1, p2) of pieces; cuts p0..p1-2 inside X, p1-1 between them,
      // p1..p2-2 inside Y. Afterwards: Y's inner cuts, the middle one, X's inner cuts.
      const auto p0 = i, p1 = j, p2 = static_cast<std::ptrdiff_t>(move.third);
      std::rotate(order.begin() + p0, order.begin() + p1, order.begin() + p2);
      block.clear();
      block.insert(block.end(), cuts.begin() + p1, cuts.begin() + p2 - 1);
      block.push_back(cuts[static_cast<std::size_t>(p1 - 1)]);
      block.insert(block.end(), cuts.begin() + p0, cuts.begin() + p1 - 1);
      std::copy(block.begin(), block.end(), cuts.begin() + p0);
      break;
    }
    case DigestMove::Kind::shift:
    case DigestMove::Kind::window: break;  // not proposed in the piece space
  }
}

}  // namespace

double DoubleDigest::piece_energy(const std::vector<int>& order, const std::vector<std::uint8_t>& cuts) const {
  PieceScratch& buffers = piece_scratch();
  fragments_of(instance_.c, order, cuts, kCutA, buffers.a);
  fragments_of(instance_.c, order, cuts, kCutB, buffers.b);
  if (energy_ == DigestEnergy::unmatched) {
    return static_cast<double>(a_target_.size() - common_count(buffers.a, a_target_) + b_target_.size() -
                               common_count(buffers.b, b_target_));
  }
  // (4.15) on the single digests: both lists have n_a (n_b) entries, paired by rank.
  double total = 0;
  for (std::size_t r = 0; r < a_target_.size(); ++r) {
    const auto d = static_cast<double>(a_target_[r] - buffers.a[r]);
    total += d * d * a_inverse_[r];
  }
  for (std::size_t r = 0; r < b_target_.size(); ++r) {
    const auto d = static_cast<double>(b_target_[r] - buffers.b[r]);
    total += d * d * b_inverse_[r];
  }
  return total;
}

DigestState DoubleDigest::make_piece_state(std::vector<int> order, std::vector<std::uint8_t> cuts) const {
  if (space_ != DigestSpace::pieces) {
    throw UsageError("instance '" + instance_.name + "': a piece order is not a state of the orderings space");
  }
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(instance_.c.size());
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity) {
    throw UsageError("instance '" + instance_.name + "': the piece order is not a permutation of 0.." +
                     std::to_string(instance_.c.size() - 1));
  }
  std::vector<std::uint8_t> labels = cuts;
  std::sort(labels.begin(), labels.end());
  if (labels != cut_labels_) {
    throw UsageError("instance '" + instance_.name + "': the cut labels must be " +
                     std::to_string(std::count(cut_labels_.begin(), cut_labels_.end(), kCutA)) + " A, " +
                     std::to_string(std::count(cut_labels_.begin(), cut_labels_.end(), kCutB)) + " B and " +
                     std::to_string(std::count(cut_labels_.begin(), cut_labels_.end(), kCutAB)) + " AB cuts");
  }
  State state;
  state.order = std::move(order);
  state.cuts = std::move(cuts);
  state.piece_energy = piece_energy(state.order, state.cuts);
  return state;
}

DigestState DoubleDigest::random_piece_state(RandomStream& rng) const {
  std::vector<int> order(instance_.c.size());
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);
  std::vector<std::uint8_t> cuts = cut_labels_;
  for (std::size_t k = cuts.size(); k > 1; --k) std::swap(cuts[k - 1], cuts[rng.below(k)]);
  return make_piece_state(std::move(order), std::move(cuts));
}

DigestMove DoubleDigest::propose_piece_move(RandomStream& rng) const {
  Move move;
  const std::uint64_t n = instance_.c.size();
  if (n < 2) return move;  // one piece: reverse of order[0..0], nothing changes
  // An unordered pair {i < j} of [0, m), uniform.
  auto pair = [&rng](std::uint64_t m, Move& out) {
    auto i = rng.below(m);
    auto j = rng.below(m - 1);
    if (j >= i) ++j;
    if (j < i) std::swap(i, j);
    out.first = static_cast<std::int32_t>(i);
    out.second = static_cast<std::int32_t>(j);
  };
  const double total = mix_.reverse + mix_.swap + mix_.shift;
  const double u = rng.uniform() * total;
  if (u < mix_.reverse) {
    move.kind = Move::Kind::reverse;
    pair(n, move);
  } else if (u < mix_.reverse + mix_.swap) {
    // Pieces or cut labels, half and half (labels need two cuts: n >= 3).
    if (n >= 3 && rng.below(2) == 1) {
      move.kind = Move::Kind::cut_swap;
      pair(n - 1, move);
    } else {
      move.kind = Move::Kind::swap;
      pair(n, move);
    }
  } else {
    // A uniform 3-subset {p0 < p1 < p2} of {0, ..., n}: three distinct values, sorted.
    move.kind = Move::Kind::transpose;
    std::uint64_t p[3];
    p[0] = rng.below(n + 1);
    p[1] = rng.below(n);
    if (p[1] >= p[0]) ++p[1];
    p[2] = rng.below(n - 1);
    const std::uint64_t low = std::min(p[0], p[1]), high = std::max(p[0], p[1]);
    if (p[2] >= low) ++p[2];
    if (p[2] >= high) ++p[2];
    std::sort(p, p + 3);
    move.first = static_cast<std::int32_t>(p[0]);
    move.second = static_cast<std::int32_t>(p[1]);
    move.third = static_cast<std::int32_t>(p[2]);
  }
  return move;
}

double DoubleDigest::piece_delta(const State& state, const Move& move) const {
  PieceScratch& buffers = piece_scratch();
  buffers.order = state.order;
  buffers.cuts = state.cuts;
  permute_pieces(buffers.order, buffers.cuts, move, buffers.block);
  return piece_energy(buffers.order, buffers.cuts) - state.piece_energy;
}

void DoubleDigest::apply_piece_move(State& state, const Move& move) const {
  permute_pieces(state.order, state.cuts, move, piece_scratch().block);
  state.piece_energy = piece_energy(state.order, state.cuts);
}

RestrictionMap DoubleDigest::piece_map(const State& state) const {
  RestrictionMap result;
  Length position = 0;
  for (std::size_t k = 0; k + 1 < state.order.size(); ++k) {
    position += instance_.c[static_cast<std::size_t>(state.order[k])];
    if ((state.cuts[k] & kCutA) != 0) result.a_cuts.push_back(position);
    if ((state.cuts[k] & kCutB) != 0) result.b_cuts.push_back(position);
  }
  return result;
}

}  // namespace nnsim::anneal
