// The piece space of the double-digest problem (digest.hpp, "Configuration spaces"): an order of
// the observed double-digest pieces plus A / B / AB labels on the cuts between them.

#include <algorithm>
#include <array>
#include <numeric>
#include <utility>

#include "anneal/digest.hpp"
#include "anneal/sorted_lists.hpp"
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

struct PieceScratch {
  std::vector<Length> a, b, removed, added;
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

/// The stretch lo..hi of pieces whose order and inner cuts (lo..hi-1) a move permutes; the cuts
/// lo-1 and hi keep their labels and, since the stretch keeps its pieces, their positions.
std::pair<std::size_t, std::size_t> piece_stretch(const DigestMove& move) {
  const auto first = static_cast<std::size_t>(move.first);
  const auto second = static_cast<std::size_t>(move.second);
  switch (move.kind) {
    case DigestMove::Kind::cut_swap: return {first, second + 1};
    case DigestMove::Kind::transpose: return {first, static_cast<std::size_t>(move.third) - 1};
    default: return {first, second};
  }
}

}  // namespace

double DoubleDigest::piece_energy(const std::vector<int>& order, const std::vector<std::uint8_t>& cuts) const {
  PieceScratch& buffers = piece_scratch();
  fragments_of(instance_.c, order, cuts, kCutA, buffers.a);
  fragments_of(instance_.c, order, cuts, kCutB, buffers.b);
  return piece_energy_of(buffers.a, buffers.b);
}

double DoubleDigest::piece_energy_of(const std::vector<Length>& a_fragments,
                                     const std::vector<Length>& b_fragments) const {
  if (energy_ == DigestEnergy::unmatched) {
    return static_cast<double>(a_target_.size() - common_count(a_fragments, a_target_) + b_target_.size() -
                               common_count(b_fragments, b_target_));
  }
  // (4.15) on the single digests: both lists have n_a (n_b) entries, paired by rank.
  double total = 0;
  for (std::size_t r = 0; r < a_target_.size(); ++r) {
    const auto d = static_cast<double>(a_target_[r] - a_fragments[r]);
    total += d * d * a_inverse_[r];
  }
  for (std::size_t r = 0; r < b_target_.size(); ++r) {
    const auto d = static_cast<double>(b_target_[r] - b_fragments[r]);
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
  fragments_of(instance_.c, state.order, state.cuts, kCutA, state.a_fragments);
  fragments_of(instance_.c, state.order, state.cuts, kCutB, state.b_fragments);
  state.piece_energy = piece_energy_of(state.a_fragments, state.b_fragments);
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

void DoubleDigest::piece_change(const State& state, const Move& move, std::uint8_t bit,
                                std::vector<Length>& removed, std::vector<Length>& added) const {
  // The stretch lo..hi of pieces whose order (and inner cuts lo..hi-1) the move permutes.
  const auto [lo, hi] = piece_stretch(move);
  PieceScratch& buffers = piece_scratch();
  // The moved stretch, in local coordinates; kCutA comes first and prepares it, kCutB reuses it.
  if (bit == kCutA) {
    buffers.order.assign(state.order.begin() + static_cast<std::ptrdiff_t>(lo),
                         state.order.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
    buffers.cuts.assign(state.cuts.begin() + static_cast<std::ptrdiff_t>(lo),
                        state.cuts.begin() + static_cast<std::ptrdiff_t>(hi));
    Move local = move;
    local.first -= static_cast<std::int32_t>(lo);
    local.second -= static_cast<std::int32_t>(lo);
    local.third -= static_cast<std::int32_t>(lo);
    permute_pieces(buffers.order, buffers.cuts, local, buffers.block);
  }
  // Only fragments that contain a piece at an end of a block the move carries can change (a
  // block: the reversed stretch; the two exchanged blocks; the swapped pieces and the run between
  // them; the pieces beside swapped labels). Every other fragment lies inside one block (or
  // outside the stretch) between cuts that travel with it, and reappears unchanged. So the
  // removed fragments are the old ones containing those pieces, the added ones the new ones
  // containing their images; fragments that are in fact unchanged appear in both and cancel.
  std::array<std::size_t, 4> old_ends{}, new_ends{};
  const auto first = static_cast<std::size_t>(move.first), second = static_cast<std::size_t>(move.second);
  switch (move.kind) {
    case Move::Kind::transpose: {
      const auto third = static_cast<std::size_t>(move.third), y = third - second;  // |Y|
      old_ends = {first, second - 1, second, third - 1};
      new_ends = {first + y, third - 1, first, first + y - 1};
      break;
    }
    case Move::Kind::swap: old_ends = new_ends = {first, first + 1, second - 1, second}; break;
    case Move::Kind::cut_swap: old_ends = new_ends = {first, first + 1, second, second + 1}; break;
    default: old_ends = new_ends = {first, second, first, second}; break;  // reverse
  }
  const std::size_t last = state.order.size() - 1;
  auto collect = [&](bool moved, const std::array<std::size_t, 4>& ends, std::vector<Length>& out) {
    auto piece = [&](std::size_t k) {
      return instance_.c[static_cast<std::size_t>(moved && k >= lo && k <= hi ? buffers.order[k - lo] : state.order[k])];
    };
    auto cut = [&](std::size_t k) { return moved && k >= lo && k < hi ? buffers.cuts[k - lo] : state.cuts[k]; };
    out.clear();
    std::array<std::size_t, 4> starts{};
    std::size_t counted = 0;
    for (const std::size_t end : ends) {
      std::size_t start = end;
      while (start > 0 && (cut(start - 1) & bit) == 0) --start;
      if (std::find(starts.begin(), starts.begin() + static_cast<std::ptrdiff_t>(counted), start) !=
          starts.begin() + static_cast<std::ptrdiff_t>(counted)) {
        continue;
      }
      starts[counted++] = start;
      Length length = 0;
      for (std::size_t k = start;; ++k) {
        length += piece(k);
        if (k == last || (cut(k) & bit) != 0) break;
      }
      out.push_back(length);
    }
    sort_short(out);
  };
  collect(false, old_ends, removed);
  collect(true, new_ends, added);
  cancel_common(removed, added);
}

double DoubleDigest::piece_list_change(const std::vector<Length>& current, const std::vector<Length>& target,
                                       const std::vector<double>& inverse, const std::vector<Length>& removed,
                                       const std::vector<Length>& added) const {
  return sorted_list_change(current, target, energy_ == DigestEnergy::unmatched, removed, added,
                            [&](std::size_t rank, Length model) {
                              const auto d = static_cast<double>(target[rank] - model);
                              return d * d * inverse[rank];
                            });
}

double DoubleDigest::piece_delta(const State& state, const Move& move) const {
  PieceScratch& buffers = piece_scratch();
  piece_change(state, move, kCutA, buffers.removed, buffers.added);
  double change = piece_list_change(state.a_fragments, a_target_, a_inverse_, buffers.removed, buffers.added);
  piece_change(state, move, kCutB, buffers.removed, buffers.added);
  change += piece_list_change(state.b_fragments, b_target_, b_inverse_, buffers.removed, buffers.added);
  return change;
}

void DoubleDigest::apply_piece_move(State& state, const Move& move) const {
  PieceScratch& buffers = piece_scratch();
  for (const std::uint8_t bit : {kCutA, kCutB}) {
    piece_change(state, move, bit, buffers.removed, buffers.added);
    replace_sorted(bit == kCutA ? state.a_fragments : state.b_fragments, buffers.removed, buffers.added, buffers.a);
  }
  permute_pieces(state.order, state.cuts, move, buffers.block);
  // From the lists, not by summing changes: no rounding drift over long runs (book).
  state.piece_energy = piece_energy_of(state.a_fragments, state.b_fragments);
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
