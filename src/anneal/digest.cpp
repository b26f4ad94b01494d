#include "anneal/digest.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <tuple>

#include "anneal/sorted_lists.hpp"
#include "core/error.hpp"

namespace nnsim::anneal {

namespace {

constexpr std::size_t kMaxWindow = 8;  ///< largest window of the exact window move (8! = 40,320 orders)

std::uint64_t factorial(std::size_t w) {
  std::uint64_t f = 1;
  for (std::size_t k = 2; k <= w; ++k) f *= k;
  return f;
}

/// Rearranges values[0..w) by the permutation of rank `rank` in the lexicographic order of the
/// index permutations of 0..w-1 (the order std::next_permutation walks): new[k] = old[p[k]].
void arrange(std::vector<int>::iterator values, std::size_t w, std::uint64_t rank) {
  int pool[kMaxWindow];
  std::copy(values, values + static_cast<std::ptrdiff_t>(w), pool);
  std::size_t left = w;
  for (std::size_t k = 0; k < w; ++k) {
    const std::uint64_t f = factorial(w - 1 - k);
    const auto index = static_cast<std::size_t>(rank / f);
    rank %= f;
    values[static_cast<std::ptrdiff_t>(k)] = pool[index];
    std::copy(pool + index + 1, pool + left, pool + index);
    --left;
  }
}

/// Applies the move's permutation to one ordering.
void permute(std::vector<int>& order, const DigestMove& move) {
  const auto first = order.begin() + move.first;
  const auto second = order.begin() + move.second;
  switch (move.kind) {
    case DigestMove::Kind::reverse: std::reverse(first, second + 1); break;
    case DigestMove::Kind::swap: std::iter_swap(first, second); break;
    case DigestMove::Kind::shift:
      if (move.first < move.second) {
        std::rotate(first, first + 1, second + 1);
      } else if (move.second < move.first) {
        std::rotate(second, first, first + 1);
      }
      break;
    case DigestMove::Kind::window:
      arrange(first, static_cast<std::size_t>(move.second - move.first + 1), move.arrangement);
      break;
    case DigestMove::Kind::cut_swap:
    case DigestMove::Kind::transpose: break;  // piece space only (digest_pieces.cpp)
  }
}

/// Positions 0, partial sums, L of the lengths in the given order.
void fill_positions(const std::vector<Length>& lengths, const std::vector<int>& order, std::vector<Length>& positions) {
  positions.resize(order.size() + 1);
  positions[0] = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    positions[k + 1] = positions[k] + lengths[static_cast<std::size_t>(order[k])];
  }
}

/// Pieces between left and right cut by the (ascending) interior cuts of both enzymes.
void append_pieces(Length left, Length right, std::span<const Length> x_cuts, std::span<const Length> y_cuts,
                   std::vector<Length>& out) {
  Length previous = left;
  std::size_t i = 0, j = 0;
  while (i < x_cuts.size() || j < y_cuts.size()) {
    Length next;
    if (j == y_cuts.size() || (i < x_cuts.size() && x_cuts[i] <= y_cuts[j])) {
      next = x_cuts[i++];
    } else {
      next = y_cuts[j++];
    }
    out.push_back(next - previous);
    previous = next;
  }
  out.push_back(right - previous);
}

/// All K pieces of two position lists (each 0, ..., L), ascending.
std::vector<Length> all_pieces(const std::vector<Length>& a_positions, const std::vector<Length>& b_positions) {
  std::vector<Length> pieces;
  pieces.reserve(a_positions.size() + b_positions.size() - 3);
  const Length L = a_positions.back();
  append_pieces(0, L, std::span(a_positions).subspan(1, a_positions.size() - 2),
                std::span(b_positions).subspan(1, b_positions.size() - 2), pieces);
  std::sort(pieces.begin(), pieces.end());
  return pieces;
}

struct Scratch {
  std::vector<Length> removed, added, new_cuts, merged;
  std::vector<int> segment;
};
Scratch& scratch() {
  thread_local Scratch buffers;
  return buffers;
}

/// The stretch of the molecule a window move of fragments first..second (either order) of one
/// enzyme covers: that enzyme's lengths, order and cut positions, the fragment range [lo, hi],
/// its ends, and the other enzyme's cuts strictly inside it (they stay where they are).
struct Window {
  const std::vector<Length>& lengths;
  const std::vector<int>& order;
  const std::vector<Length>& x_positions;
  std::size_t lo, hi;
  Length left, right;
  std::span<const Length> y_cuts;

  Window(const Instance& instance, const DigestState& state, const DigestMove& move)
      : lengths(move.enzyme == 0 ? instance.a : instance.b),
        order(move.enzyme == 0 ? state.sigma : state.mu),
        x_positions(move.enzyme == 0 ? state.a_positions : state.b_positions),
        lo(static_cast<std::size_t>(std::min(move.first, move.second))),
        hi(static_cast<std::size_t>(std::max(move.first, move.second))),
        left(x_positions[lo]),
        right(x_positions[hi + 1]) {
    const std::vector<Length>& y_positions = move.enzyme == 0 ? state.b_positions : state.a_positions;
    const auto y_begin = std::upper_bound(y_positions.begin(), y_positions.end(), left);
    const auto y_end = std::lower_bound(y_begin, y_positions.end(), right);
    y_cuts = std::span<const Length>(y_begin, y_end);
  }
  /// The window's own inner cuts (between its fragments).
  std::span<const Length> inner_cuts() const { return std::span(x_positions).subspan(lo + 1, hi - lo); }
};

}  // namespace

std::string to_string(DigestEnergy energy) {
  return energy == DigestEnergy::unmatched ? "unmatched" : "book";
}

DigestEnergy digest_energy_from_name(const std::string& name) {
  if (name == "book") return DigestEnergy::book;
  if (name == "unmatched") return DigestEnergy::unmatched;
  throw UsageError("--energy must be book (the book's (4.15)) or unmatched (the number of pieces of c the map does "
                   "not reproduce exactly), got '" + name + "'");
}

std::string to_string(DigestSpace space) { return space == DigestSpace::pieces ? "pieces" : "orderings"; }

DigestSpace digest_space_from_name(const std::string& name) {
  if (name == "orderings") return DigestSpace::orderings;
  if (name == "pieces") return DigestSpace::pieces;
  throw UsageError("--space must be orderings (sigma, mu: the book's) or pieces (an order of the double-digest "
                   "pieces with A/B labels on the cuts), got '" + name + "'");
}

DoubleDigest::DoubleDigest(Instance instance, DigestMoveMix mix, DigestEnergy energy, DigestSpace space)
    : instance_(std::move(instance)), mix_(mix), energy_(energy), space_(space) {
  instance_.validate();
  if (!(mix_.reverse >= 0 && mix_.swap >= 0 && mix_.shift >= 0 && mix_.window >= 0) ||
      mix_.reverse + mix_.swap + mix_.shift + mix_.window <= 0) {
    throw UsageError("double-digest move mix: weights must be >= 0 and not all zero, got reverse " +
                     std::to_string(mix_.reverse) + ", swap " + std::to_string(mix_.swap) + ", shift " +
                     std::to_string(mix_.shift) + ", window " + std::to_string(mix_.window));
  }
  if (mix_.window_size < 2 || mix_.window_size > static_cast<int>(kMaxWindow)) {
    throw UsageError("double-digest move mix: the window size must be from 2 to " + std::to_string(kMaxWindow) +
                     ", got " + std::to_string(mix_.window_size));
  }
  if (space_ == DigestSpace::pieces) {
    if (mix_.window > 0) {
      throw UsageError("double-digest move mix: the window move (4th weight) rearranges orderings (sigma, mu) and "
                       "does not exist in the piece space; give it weight 0 with --space pieces");
    }
    // The label multiset of a map with these pieces (digest.hpp): |c| - 1 cuts, of which
    // n_a + n_b - 1 - |c| coincident (AB), the rest A only or B only.
    const std::size_t coincident = instance_.piece_count() - instance_.c.size();
    cut_labels_.assign(instance_.a.size() - 1 - coincident, kCutA);
    cut_labels_.insert(cut_labels_.end(), instance_.b.size() - 1 - coincident, kCutB);
    cut_labels_.insert(cut_labels_.end(), coincident, kCutAB);
    for (auto [source, target, inverse] : {std::tuple{&instance_.a, &a_target_, &a_inverse_},
                                           std::tuple{&instance_.b, &b_target_, &b_inverse_}}) {
      *target = *source;
      std::sort(target->begin(), target->end());
      for (const Length v : *target) inverse->push_back(1.0 / static_cast<double>(v));
    }
  }
  target_.assign(instance_.piece_count() - instance_.c.size(), 0);
  target_.insert(target_.end(), instance_.c.begin(), instance_.c.end());
  std::sort(target_.begin(), target_.end());
  inverse_target_.resize(target_.size());
  for (std::size_t r = 0; r < target_.size(); ++r) {
    inverse_target_[r] = target_[r] == 0 ? 0.0 : 1.0 / static_cast<double>(target_[r]);
  }
}

double DoubleDigest::energy(const State& state) const {
  if (space_ == DigestSpace::pieces) return piece_energy(state.order, state.cuts);
  std::vector<Length> a_positions, b_positions;
  fill_positions(instance_.a, state.sigma, a_positions);
  fill_positions(instance_.b, state.mu, b_positions);
  const std::vector<Length> pieces = all_pieces(a_positions, b_positions);
  if (energy_ == DigestEnergy::unmatched) {
    return static_cast<double>(target_.size() - common_count(pieces, target_));
  }
  double total = 0;
  for (std::size_t r = 0; r < pieces.size(); ++r) total += term(r, pieces[r]);
  return total;
}

DigestState DoubleDigest::make_state(std::vector<int> sigma, std::vector<int> mu) const {
  if (space_ == DigestSpace::pieces) {
    throw UsageError("instance '" + instance_.name + "': orderings (sigma, mu) are not states of the piece space");
  }
  for (const auto& [order, size, label] :
       {std::tuple{&sigma, instance_.a.size(), "sigma"}, std::tuple{&mu, instance_.b.size(), "mu"}}) {
    std::vector<int> sorted = *order;
    std::sort(sorted.begin(), sorted.end());
    bool permutation = sorted.size() == size;
    for (std::size_t k = 0; permutation && k < size; ++k) permutation = sorted[k] == static_cast<int>(k);
    if (!permutation) {
      throw UsageError("instance '" + instance_.name + "': " + label + " is not a permutation of 0.." +
                       std::to_string(size - 1));
    }
  }
  State state;
  state.sigma = std::move(sigma);
  state.mu = std::move(mu);
  fill_positions(instance_.a, state.sigma, state.a_positions);
  fill_positions(instance_.b, state.mu, state.b_positions);
  state.pieces = all_pieces(state.a_positions, state.b_positions);
  return state;
}

DigestState DoubleDigest::random_state(RandomStream& rng) const {
  if (space_ == DigestSpace::pieces) return random_piece_state(rng);
  auto shuffled = [&](std::size_t n) {
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t k = n; k > 1; --k) std::swap(order[k - 1], order[rng.below(k)]);
    return order;
  };
  std::vector<int> sigma = shuffled(instance_.a.size());
  std::vector<int> mu = shuffled(instance_.b.size());
  return make_state(std::move(sigma), std::move(mu));
}

DigestMove DoubleDigest::propose(const State& state, RandomStream& rng) const {
  (void)state;  // the proposal distribution is the same for every state
  if (space_ == DigestSpace::pieces) return propose_piece_move(rng);
  Move move;
  const bool a_movable = instance_.a.size() >= 2;
  const bool b_movable = instance_.b.size() >= 2;
  if (!a_movable && !b_movable) return move;  // reverse of order[0..0]: nothing changes
  if (a_movable && b_movable) {
    move.enzyme = static_cast<std::uint8_t>(rng.below(2));
  } else {
    move.enzyme = a_movable ? 0 : 1;
  }
  const std::uint64_t n = move.enzyme == 0 ? instance_.a.size() : instance_.b.size();
  const double total = mix_.reverse + mix_.swap + mix_.shift + mix_.window;
  const double u = rng.uniform() * total;
  move.kind = u < mix_.reverse                             ? Move::Kind::reverse
              : u < mix_.reverse + mix_.swap               ? Move::Kind::swap
              : u < mix_.reverse + mix_.swap + mix_.shift || mix_.window == 0 ? Move::Kind::shift
                                                                               : Move::Kind::window;
  if (move.kind == Move::Kind::window) {
    // w consecutive positions, lo uniform; a uniformly random arrangement (symmetric).
    const std::uint64_t w = std::min<std::uint64_t>(static_cast<std::uint64_t>(mix_.window_size), n);
    const std::uint64_t lo = rng.below(n - w + 1);
    move.first = static_cast<std::int32_t>(lo);
    move.second = static_cast<std::int32_t>(lo + w - 1);
    move.arrangement = static_cast<std::uint32_t>(rng.below(factorial(static_cast<std::size_t>(w))));
    return move;
  }
  // An ordered pair of distinct positions, uniform.
  auto i = rng.below(n);
  auto j = rng.below(n - 1);
  if (j >= i) ++j;
  if (move.kind != Move::Kind::shift && j < i) std::swap(i, j);
  move.first = static_cast<std::int32_t>(i);
  move.second = static_cast<std::int32_t>(j);
  return move;
}

void DoubleDigest::window_change(const State& state, const Move& move, std::vector<Length>& removed,
                                 std::vector<Length>& added) const {
  const Window window(instance_, state, move);
  const auto& [lengths, order, x_positions, lo, hi, left, right, y_cuts] = window;

  removed.clear();
  append_pieces(left, right, window.inner_cuts(), y_cuts, removed);

  Scratch& buffers = scratch();
  buffers.segment.assign(order.begin() + static_cast<std::ptrdiff_t>(lo), order.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
  Move local = move;
  local.first -= static_cast<std::int32_t>(lo);
  local.second -= static_cast<std::int32_t>(lo);
  permute(buffers.segment, local);
  buffers.new_cuts.clear();
  Length position = left;
  for (std::size_t k = 0; k + 1 < buffers.segment.size(); ++k) {
    position += lengths[static_cast<std::size_t>(buffers.segment[k])];
    buffers.new_cuts.push_back(position);
  }
  added.clear();
  append_pieces(left, right, buffers.new_cuts, y_cuts, added);

  sort_short(removed);
  sort_short(added);
  cancel_common(removed, added);
}

double DoubleDigest::delta(const State& state, const Move& move) const {
  if (space_ == DigestSpace::pieces) return piece_delta(state, move);
  Scratch& buffers = scratch();
  window_change(state, move, buffers.removed, buffers.added);
  return change_of(state, buffers.removed, buffers.added);
}

double DoubleDigest::change_of(const State& state, const std::vector<Length>& removed,
                               const std::vector<Length>& added) const {
  return sorted_list_change(state.pieces, target_, energy_ == DigestEnergy::unmatched, removed, added,
                            [this](std::size_t rank, Length model) { return term(rank, model); });
}

std::vector<double> DoubleDigest::window_deltas(const State& state, const Move& move) const {
  if (space_ == DigestSpace::pieces) throw UsageError("the window move does not exist in the piece space");
  const Window window(instance_, state, move);
  const auto& [lengths, order, x_positions, lo, hi, left, right, y_cuts] = window;
  const std::size_t w = hi - lo + 1;

  std::vector<Length> current;
  append_pieces(left, right, window.inner_cuts(), y_cuts, current);
  sort_short(current);

  // Every arrangement in rank order (std::next_permutation walks the lexicographic order that
  // `arrangement` numbers); each one's pieces against the current ones, as in delta().
  std::vector<double> deltas;
  deltas.reserve(factorial(w));
  int index[kMaxWindow];
  for (std::size_t k = 0; k < w; ++k) index[k] = static_cast<int>(k);
  std::vector<Length> removed, added, cuts;
  do {
    cuts.clear();
    Length position = left;
    for (std::size_t k = 0; k + 1 < w; ++k) {
      position += lengths[static_cast<std::size_t>(order[lo + static_cast<std::size_t>(index[k])])];
      cuts.push_back(position);
    }
    added.clear();
    append_pieces(left, right, cuts, y_cuts, added);
    sort_short(added);
    removed = current;
    cancel_common(removed, added);
    deltas.push_back(change_of(state, removed, added));
  } while (std::next_permutation(index, index + w));
  return deltas;
}

HeatBathOutcome DoubleDigest::resample(State& state, const Move& move, double temperature, RandomStream& rng) const {
  const std::vector<double> deltas = window_deltas(state, move);
  // Weights exp(-(delta - min) / T): the conditional Boltzmann distribution of the window.
  const double lowest = *std::min_element(deltas.begin(), deltas.end());
  std::vector<double> cumulative(deltas.size());
  double total = 0;
  for (std::size_t k = 0; k < deltas.size(); ++k) {
    // T = 0 (a quench): uniform among the lowest.
    total += temperature > 0 ? std::exp(-(deltas[k] - lowest) / temperature) : deltas[k] == lowest ? 1.0 : 0.0;
    cumulative[k] = total;
  }
  const double u = rng.uniform() * total;
  const auto chosen = static_cast<std::size_t>(
      std::min<std::ptrdiff_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin(),
                               static_cast<std::ptrdiff_t>(deltas.size()) - 1));
  if (chosen == 0) return {0.0, false};
  Move chosen_move = move;
  chosen_move.arrangement = static_cast<std::uint32_t>(chosen);
  apply(state, chosen_move);
  return {deltas[chosen], true};
}

void DoubleDigest::apply(State& state, const Move& move) const {
  if (space_ == DigestSpace::pieces) {
    apply_piece_move(state, move);
    return;
  }
  Scratch& buffers = scratch();
  window_change(state, move, buffers.removed, buffers.added);
  const bool on_a = move.enzyme == 0;
  std::vector<int>& order = on_a ? state.sigma : state.mu;
  std::vector<Length>& positions = on_a ? state.a_positions : state.b_positions;
  const std::vector<Length>& lengths = on_a ? instance_.a : instance_.b;
  permute(order, move);
  const auto lo = static_cast<std::size_t>(std::min(move.first, move.second));
  const auto hi = static_cast<std::size_t>(std::max(move.first, move.second));
  for (std::size_t k = lo; k < hi; ++k) positions[k + 1] = positions[k] + lengths[static_cast<std::size_t>(order[k])];

  replace_sorted(state.pieces, buffers.removed, buffers.added, buffers.merged);
}

RestrictionMap DoubleDigest::map(const State& state) const {
  if (space_ == DigestSpace::pieces) return piece_map(state);
  RestrictionMap result;
  result.a_cuts.assign(state.a_positions.begin() + 1, state.a_positions.end() - 1);
  result.b_cuts.assign(state.b_positions.begin() + 1, state.b_positions.end() - 1);
  return result;
}

}  // namespace nnsim::anneal
