#pragma once
// The double-digest problem as an annealing energy (Section 4.3, eq. 4.15), satisfying the
// problem concept of the annealing engine:
//   typename P::State; typename P::Move;
//   double energy(const State&) const;  State random_state(RandomStream&) const;
//   Move propose(const State&, RandomStream&) const;   (a symmetric proposal)
//   double delta(const State&, const Move&) const;     void apply(State&, const Move&) const;
//
// Energy (4.15): H(sigma, mu) = sum_j (c_j - c_hat_j)^2 / c_j over both lists sorted in
// decreasing order, c_hat the double-digest pieces of the map that the orderings sigma (of the
// A fragments) and mu (of the B fragments) imply. Convention for coincident cuts: a model map
// always has K = n_a + n_b - 1 pieces, a coincident A/B cut giving a piece of length 0; the
// observed list c (|c| <= K) is padded with zeros to K entries. A pair (c_j, c_hat_j) with
// c_j > 0 contributes (c_j - c_hat_j)^2 / c_j as in the book; a padding entry c_j = 0
// contributes c_hat_j (the length the model shows where the gel shows none). So H >= 0, and
// H = 0 exactly when the positive pieces of the model equal c as a multiset, i.e. when the map
// solves the instance (verify_map). For the Table 4.1 instances |c| = K and nothing is padded.
//
// Energy forms (DigestEnergy). Besides the book's (4.15) the problem offers a second energy with
// exactly the same zeros, which the driver uses by default because annealing finds solutions
// with it one to three orders of magnitude faster (docs/performance.md, nnsim-digest):
//  - book: H = sum_j (c_j - c_hat_j)^2 / c_j (4.15), with the padding convention above.
//  - unmatched: H = K - |c ∩ c_hat|, the number of observed pieces (padding zeros included) that
//    the model does not reproduce exactly, the intersection taken as multisets. H = 0 exactly
//    when the multisets are equal, i.e. for the same solutions as (4.15).
//    Why it helps: under (4.15) a wrong map whose pieces are all within a few tens of base pairs
//    of c costs almost nothing (a misfit of 30 on a piece of 5000 adds 0.18; worse, one wrong
//    piece shifts the rank of every piece between its value and the right one, and all of
//    those pay), so the landscape is full of near-degenerate wrong maps and the solution is a
//    needle among them. The unmatched count charges exactly 1 for every piece that is not
//    exactly right, however close, and nothing for a shifted rank: a map with k right pieces
//    sits k steps down a staircase towards the solution, which is what partial progress in
//    restriction mapping looks like. Values are integers, so summed changes are exact.
//    Its energy change needs only the counts of the changed values (binary searches in the
//    sorted lists), not the walk over ranks that (4.15) needs.
//
// Moves (all act on one enzyme's ordering, chosen with probability 1/2 among the enzymes with
// at least two fragments; each is its own kind of involution-pair, see propose()):
//  - reverse: invert the contiguous subsequence order[i..j] (the book's move). It mirrors the
//    cuts inside the window [x_i, x_{j+1}] of that enzyme and leaves all others in place.
//  - swap: exchange the fragments at positions i and j. Moves two fragments at once without
//    reversing the ones between (a reversal needs two moves for that).
//  - shift: take the fragment at position i out and reinsert it at position j (the others
//    between slide by one place): relocates one fragment across a region whose internal order
//    is already right, which neither a reversal nor a swap does in one step.
//  - window (optional, weight 0 by default): an exact large-neighbourhood move. It picks w
//    consecutive positions lo..hi = lo + w - 1 of one ordering (lo uniform, w = the mix's
//    window_size, or all fragments if fewer) and rearranges the w fragments there. As a plain
//    proposal (propose / delta / apply) it carries a uniformly random arrangement (a permutation
//    of the window, numbered by its rank in lexicographic order): a symmetric proposal, since the
//    reverse rearrangement has the same probability 1 / w!. Inside the engine, which recognises
//    it through heat_bath() / resample() (annealer.hpp, HeatBathProblem), it is instead a block
//    heat-bath (Gibbs) update: all w! arrangements of the window are evaluated exactly and one is
//    drawn with probability proportional to exp(-H / T) at the chain's current temperature T.
//    That is the conditional Boltzmann distribution of the window given everything outside it,
//    so the move leaves exp(-H / T) invariant like a Metropolis step does (it is a Metropolis-
//    Hastings step whose acceptance probability is exactly 1), at T -> 0 it re-optimises the
//    window exactly, and at high T it shuffles it. Why it helps: a wrong ordering of a few
//    neighbouring fragments is a deep local minimum for moves that change one or two of them
//    (every intermediate ordering breaks matched pieces), while the window move crosses it in
//    one step. It is the "windowed exact re-optimisation" of issue 8, made a proper Markov-chain
//    move; the rest of the chain (replica exchange, energy, other moves) is unchanged.
// Each move changes only the double-digest pieces inside its window [x_lo, x_{hi+1}], whose end
// cuts stay fixed; delta() therefore recomputes only those pieces and the part of the sorted
// piece list whose ranks they touch (O(w log w + r) for w pieces in the window and r ranks
// between the smallest and the largest changed piece), instead of O(K log K).
//
// Configuration spaces (DigestSpace). The moves above act on the orderings (sigma, mu), the
// book's configurations. The problem offers a second space, the piece space, in which the
// double digest is reproduced by construction and the single digests are what must fit:
//  - pieces: a configuration is an order of the |c| observed double-digest pieces along the
//    molecule plus a label on each of the |c| - 1 cuts between neighbouring pieces: A, B or AB
//    (a coincident cut). The labels are a permutation of the fixed multiset of |c| - n_b A's,
//    |c| - n_a B's and n_a + n_b - 1 - |c| AB's, which is what a map with these pieces has. The
//    A fragments of a configuration are the sums of pieces between consecutive A (or AB) cuts,
//    likewise for B. Energies (both zero exactly at the solutions: then a, b and c all match):
//      unmatched: H = (n_a - |a ∩ a_hat|) + (n_b - |b ∩ b_hat|)   (multisets)
//      book:      H = sum_j (a_j - a_hat_j)^2 / a_j + sum_j (b_j - b_hat_j)^2 / b_j, (4.15) applied
//                 to the single digests, lists sorted alike.
//    Why: a wrong map that annealing on (sigma, mu) cannot leave is a row of "islands",
//    stretches in which the cuts of both enzymes are right relative to each other, joined by
//    wrong pieces. Moving an island means moving its A fragments and its B fragments by the same
//    distance, which no reordering of one enzyme does; in the piece space an island is a
//    contiguous block of pieces with its labels, and the transpose move below carries it
//    anywhere in one step. Measured: planted instances with 30 fragments per enzyme are solved
//    in seconds, which the orderings never did (docs/performance.md, nnsim-digest).
//  - Moves of the piece space (the --move-mix weights R, S, T keep their roles):
//      reverse (R): invert pieces i..j together with the labels of the cuts between them (the
//        stretch is mirrored in place);
//      swap (S): half of the time exchange two pieces, otherwise exchange the labels of two cuts;
//      transpose (T): exchange two neighbouring blocks of pieces [p0, p1) and [p1, p2), each
//        keeping its inner labels, the label at p1 staying between them (the generalisation of
//        shift: a block of length 1 is a shifted piece). {p0, p1, p2} is a uniform 3-subset of
//        {0, ..., |c|} and its inverse (p0, p0 + p2 - p1, p2) is another, so it is symmetric.
//    Reverse and both swaps are involutions drawn uniformly among unordered pairs, so every
//    proposal is symmetric. The window move (X) belongs to the orderings and is refused here.
//    Every move carries blocks of pieces with their inner cuts (the reversed stretch, the two
//    exchanged blocks, ...), so a fragment that does not contain a piece at the end of a block
//    reappears unchanged: delta() recomputes only the A and B fragments that contain such a
//    piece, before and after (a few pieces each), and counts (unmatched) or re-ranks (book) the
//    ones that changed against the state's sorted fragment lists: about half the time of a full
//    recomputation at 30 fragments per enzyme.

#include <cstdint>
#include <string>
#include <vector>

#include "anneal/digest_instance.hpp"
#include "core/rng.hpp"

namespace nnsim::anneal {

/// The energy form (file comment); both vanish exactly at the solutions.
enum class DigestEnergy : std::uint8_t {
  book,      ///< (4.15): sum_j (c_j - c_hat_j)^2 / c_j
  unmatched,  ///< K - |c ∩ c_hat| (multisets): observed pieces the model does not reproduce
};
/// "book" or "unmatched".
std::string to_string(DigestEnergy energy);
/// Inverse of to_string; throws UsageError naming the allowed values.
DigestEnergy digest_energy_from_name(const std::string& name);

/// The configuration space (file comment).
enum class DigestSpace : std::uint8_t {
  orderings,  ///< (sigma, mu): orderings of the A and the B fragments (the book's)
  pieces,     ///< an order of the double-digest pieces and a label A, B or AB on every cut between them
};
/// "orderings" or "pieces".
std::string to_string(DigestSpace space);
/// Inverse of to_string; throws UsageError naming the allowed values.
DigestSpace digest_space_from_name(const std::string& name);

/// Cut labels of the piece space: bit 1 = an A cut, bit 2 = a B cut (3 = both, coincident).
inline constexpr std::uint8_t kCutA = 1, kCutB = 2, kCutAB = 3;

/// Relative frequencies of the move kinds (need not sum to 1; all >= 0, not all 0).
struct DigestMoveMix {
  double reverse = 0.5;
  double swap = 0.25;
  double shift = 0.25;
  double window = 0.0;  ///< the exact window move (file comment); 0 = off (the behaviour before it)
  int window_size = 6;  ///< w: fragments rearranged by a window move (2..8; w! arrangements are evaluated)
  /// The book's proposal: inversions only.
  static DigestMoveMix book() { return {1.0, 0.0, 0.0}; }
};

/// Configuration: the orderings plus caches derived from them (kept consistent by apply()).
struct DigestState {
  std::vector<int> sigma;            ///< sigma[k]: index into a of the k-th A fragment from x = 0
  std::vector<int> mu;               ///< mu[k]: index into b of the k-th B fragment
  std::vector<Length> a_positions;   ///< 0, partial sums of a in the order sigma, L (n_a + 1 entries)
  std::vector<Length> b_positions;   ///< the same for b, mu
  std::vector<Length> pieces;        ///< the K double-digest pieces (zeros for coincident cuts), ascending
  // Piece space (DigestSpace::pieces; the five members above are then empty):
  std::vector<int> order;            ///< order[k]: index into c of the k-th piece from x = 0
  std::vector<std::uint8_t> cuts;    ///< cuts[k]: label (kCutA, kCutB, kCutAB) of the cut after the k-th piece
  double piece_energy = 0;           ///< the energy of (order, cuts), kept by apply()
  std::vector<Length> a_fragments;   ///< the A fragments of (order, cuts), ascending, kept by apply()
  std::vector<Length> b_fragments;   ///< the B fragments, ascending
};

struct DigestMove {
  /// cut_swap and transpose exist in the piece space only (file comment).
  enum class Kind : std::uint8_t { reverse, swap, shift, window, cut_swap, transpose };
  Kind kind = Kind::reverse;
  std::uint8_t enzyme = 0;  ///< 0 = A (sigma), 1 = B (mu)
  std::int32_t first = 0;   ///< reverse: order[first..second] inverted (first <= second); swap: positions;
  std::int32_t second = 0;  ///< shift: the fragment at first moves to position second; window: lo, hi
  /// window: the new order of the window is the permutation of rank `arrangement` (lexicographic,
  /// 0 = unchanged) applied to the fragments order[first..second].
  std::uint32_t arrangement = 0;
  /// transpose: the blocks [first, second) and [second, third) of pieces are exchanged.
  std::int32_t third = 0;
};

/// What a heat-bath move did (DoubleDigest::resample).
struct HeatBathOutcome {
  double delta = 0;      ///< energy change
  bool changed = false;  ///< the state changed (an arrangement other than the current one was drawn)
};

class DoubleDigest {
 public:
  using State = DigestState;
  using Move = DigestMove;

  /// Validates the instance (UsageError) and the mix (UsageError for negative or all-zero
  /// weights, or a window move in the piece space).
  explicit DoubleDigest(Instance instance, DigestMoveMix mix = {}, DigestEnergy energy = DigestEnergy::book,
                        DigestSpace space = DigestSpace::orderings);

  /// Full evaluation of the energy (4.15, or the chosen form) from sigma and mu alone (ignores the caches).
  double energy(const State& state) const;
  /// Independent uniformly random permutations sigma and mu (Fisher-Yates).
  State random_state(RandomStream& rng) const;
  /// The state of given orderings, caches filled. Throws UsageError unless permutations.
  State make_state(std::vector<int> sigma, std::vector<int> mu) const;
  /// The piece-space state of an order of c and cut labels; throws UsageError unless order is a
  /// permutation of 0..|c|-1 and cuts a permutation of the label multiset (file comment).
  State make_piece_state(std::vector<int> order, std::vector<std::uint8_t> cuts) const;
  /// A symmetric proposal: the enzyme (uniform among those with >= 2 fragments) and the kind
  /// (by the mix) do not depend on the state; reverse and swap draw an unordered pair {i, j}
  /// uniformly and are involutions; shift draws an ordered pair (i, j), i != j, uniformly and
  /// its inverse is shift (j, i), drawn with the same probability. So q(s -> s') = q(s' -> s).
  /// With no enzyme of >= 2 fragments it returns a null move (reverse of one fragment).
  Move propose(const State& state, RandomStream& rng) const;
  /// energy(after apply) - energy(state), from the pieces in the move's window only.
  double delta(const State& state, const Move& move) const;
  void apply(State& state, const Move& move) const;

  /// True for a window move: the engine then calls resample() instead of delta/accept/apply.
  bool heat_bath(const Move& move) const { return move.kind == Move::Kind::window; }
  /// The block heat-bath update of a window move (file comment): evaluates the energy change of
  /// every arrangement of the window, draws one with probability proportional to
  /// exp(-delta / temperature) (temperature > 0; one uniform number from rng) and applies it.
  HeatBathOutcome resample(State& state, const Move& move, double temperature, RandomStream& rng) const;
  /// The energy changes of all w! arrangements of a window move, in rank order (index 0 = the
  /// current order, change 0); exposed for tests.
  std::vector<double> window_deltas(const State& state, const Move& move) const;

  const Instance& instance() const { return instance_; }
  const DigestMoveMix& mix() const { return mix_; }
  DigestEnergy energy_form() const { return energy_; }
  DigestSpace space() const { return space_; }
  /// The map of a state (cut positions).
  RestrictionMap map(const State& state) const;
  /// The observed pieces, ascending, padded with leading zeros to K entries.
  const std::vector<Length>& target_pieces() const { return target_; }

 private:
  /// Pieces inside the move's window before (removed) and after (added), ascending, common
  /// values cancelled.
  void window_change(const State& state, const Move& move, std::vector<Length>& removed,
                     std::vector<Length>& added) const;
  /// The energy change of replacing the (ascending, common values cancelled) pieces `removed`
  /// of the state by `added`.
  double change_of(const State& state, const std::vector<Length>& removed, const std::vector<Length>& added) const;

  /// The term of (4.15) at rank r (ascending) for a model piece, with the padding convention of
  /// the file comment. Multiplies by a stored 1 / c_r: a division costs as much as the rest.
  double term(std::size_t r, Length model) const {
    const Length observed = target_[r];
    if (observed == 0) return static_cast<double>(model);
    const double difference = static_cast<double>(observed - model);
    return difference * difference * inverse_target_[r];
  }

  // The piece space (digest_pieces.cpp).
  double piece_energy(const std::vector<int>& order, const std::vector<std::uint8_t>& cuts) const;
  /// The energy of ascending A and B fragment lists.
  double piece_energy_of(const std::vector<Length>& a_fragments, const std::vector<Length>& b_fragments) const;
  /// The fragments of one enzyme (kCutA or kCutB) that a piece move removes and adds, ascending,
  /// common values cancelled. Call with kCutA first: it prepares the moved stretch that the
  /// kCutB call of the same state and move reuses.
  void piece_change(const State& state, const Move& move, std::uint8_t bit, std::vector<Length>& removed,
                    std::vector<Length>& added) const;
  /// The energy change of one enzyme's fragment list `current` (ascending) losing `removed` and
  /// gaining `added`, against `target` (ascending) with reciprocals `inverse`.
  double piece_list_change(const std::vector<Length>& current, const std::vector<Length>& target,
                           const std::vector<double>& inverse, const std::vector<Length>& removed,
                           const std::vector<Length>& added) const;
  State random_piece_state(RandomStream& rng) const;
  Move propose_piece_move(RandomStream& rng) const;
  double piece_delta(const State& state, const Move& move) const;
  void apply_piece_move(State& state, const Move& move) const;
  RestrictionMap piece_map(const State& state) const;

  Instance instance_;
  DigestMoveMix mix_;
  DigestEnergy energy_;
  DigestSpace space_ = DigestSpace::orderings;
  std::vector<Length> a_target_, b_target_;  // piece space: a and b ascending
  std::vector<double> a_inverse_, b_inverse_;  // their reciprocals
  std::vector<std::uint8_t> cut_labels_;       // piece space: the label multiset, A's then B's then AB's
  std::vector<Length> target_;  // c ascending with K - |c| leading zeros
  std::vector<double> inverse_target_;  // 1 / target_ (0 for the padding zeros)
};

}  // namespace nnsim::anneal
