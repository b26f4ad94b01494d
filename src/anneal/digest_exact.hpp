#pragma once
// Exact enumeration of every solution of a double-digest instance, to check that an annealing
// ensemble found them all and to count them under the three conventions of digest_instance.hpp.
//
// Search (Method::ends, the default since 2026-12-03): double-digest pieces are laid down from
// both ends of the molecule. At each end each enzyme has an open fragment (at the left its start
// fal/fbl is known, its end not; at the right its end gar/gbr); xl and xr are the outermost
// double-digest cuts not yet joined, and the pieces left tile [xl, xr]. The next piece p at the
// left ends at y = xl + p (at the right starts at y = xr - p), strictly inside the gap, where A
// cuts, or B cuts, or both (a coincidence, which uses one of the K - |c| allowed zero-length
// pieces); a cut closes that enzyme's open fragment, whose length must be left in a (resp. b).
// The last piece joins the ends: the one A and one B fragment left must then span [fal, gar] and
// [fbl, gbr] exactly. What the search adds to the left-to-right search below:
//  - fail first (Haralick & Elliott, Artif. Intell. 14, 263 (1980)): at every state the end with
//    fewer branches is extended, so a dead end at either side is found at once. Alternating the
//    ends instead costs 2.6-5 times more nodes (n = 17-18);
//  - run branches (use_runs): when exactly one enzyme K cuts at the frontier and the other, O,
//    has an open fragment that must end strictly inside the gap, the pieces up to O's next cut are
//    complete K fragments (lengths found both in c and in K's list), in any order, then one piece
//    q at whose far end O cuts (and K too, as a coincidence). One branch is such a run: a
//    multiset S, the piece q and O's fragment v with sum(S) + q = v - (O's open part). The sums
//    of S come from a reachability bitset over the candidate lengths (the subset-sum table of
//    dynamic programming, Bellman 1957), so only runs that hit an O fragment end exactly are
//    branched on: the left-to-right search made every subset of complete fragments on the way a
//    state of its own, and nearly all of them were dead. The |S|! / prod m! orders of a run give
//    different maps with the same remainder: counted by that multinomial, laid one by one only
//    while maps are listed. 7-25 times fewer nodes at n = 16-18;
//  - open-fragment test: with one fragment of an enzyme left it spans both open ends exactly;
//    otherwise the left open fragment ends, and the right one starts, at an interior cut, so some
//    length left lies strictly between its open part and the gap;
//  - memo key: the subproblem between the ends is fixed, up to translation, by the multisets left
//    (128-bit Zobrist hash, below), the offsets fal - fbl and gar - gbr, and the mirror status;
//  - mirror symmetry: only maps whose first A fragment is not longer than their last are
//    searched; one with first < last stands for its mirror image too (the factor 2 is taken on the
//    edge where both become known, or at the join). Used when n_a >= 2.
// Each node is a state where the search branches (a run counts as one branch); memo hits are
// counted separately. Tried and dropped (no gain, measured at n = 16-18): a meet-in-the-middle
// table of all states within L/2 of the right end to prune left-to-right states beyond L/2 (the
// dead states lie left of L/2: nodes within 5%), and a one-step look-ahead of the open-fragment
// test on every branch (children almost never fail it at once; dead states die many levels on).
//
// Method::pieces (the default before 2026-12-03): the same pieces laid from the left end only.
// Method::fragments is the plain alternative: the enzyme whose placed fragments end further left
// (A on ties) gets its next fragment, and the piece it completes must be left in c; a fragment
// that overshoots the other enzyme's frontier is a guess the pieces check only later.
// Improvements of these two (each can be switched off for comparison):
//  - branching over distinct remaining lengths, not fragment labels, so every map is reached by
//    exactly one path (equal-length fragments are not permuted; also in Method::ends);
//  - mirror symmetry: the last A fragment is reserved up front and the first A fragment may not
//    be longer than it. A map with first < last stands for itself and its mirror image (which
//    has first > last and is not searched); with first = last both orientations are searched.
//    Halves the solutions visited (the reservation itself can cost nodes on small instances).
//    (Used when n_a >= 2.)
//  - memoisation of subproblems: what remains to be placed depends only on the multisets of
//    lengths left in a, b and c, the coincidences left and the reserved fragment (positions
//    follow from the sums), so the number of completions of such a state is stored under a
//    128-bit Zobrist hash (collision probability ~ S^2 / 2^128 for S states). Different
//    orderings of a left part that consume the same pieces meet in one state. While solutions
//    are still being listed, only dead states (0 completions) prune; after that, counts are
//    reused, so counting goes on far past what can be listed. (All methods.) The table is a flat
//    open-addressing table (flat_memo; std::unordered_map before).
//  - a length bound: every remaining piece lies inside one A span and one B span of the part of
//    the molecule right of the lower frontier (the remaining fragments, and the part of the
//    leading enzyme's last fragment beyond the lower frontier). So for every threshold t, the
//    total length of remaining pieces >= t is at most the total length of A spans >= t, and of
//    B spans >= t. A node failing it is dead. O(distinct lengths) per node. (All methods.)
// first_solution_seconds / first_solution_nodes record when the first solution was met;
// stop_at_first_solution ends the search there.

#include <cstdint>
#include <vector>

#include "anneal/digest_instance.hpp"

namespace nnsim::anneal {

struct ExactOptions {
  /// ends: pieces laid from both ends (default); pieces: from the left end only; fragments: the
  /// next fragment from the left end.
  enum class Method { ends, pieces, fragments };
  Method method = Method::ends;
  bool use_symmetry = true;
  bool use_memo = true;
  bool use_bounds = true;  ///< the length bound (file comment)
  bool fail_first = true;  ///< ends: extend the end with fewer branches (else alternate)
  bool use_runs = true;    ///< ends: branch on runs of complete fragments (header)
  bool flat_memo = true;   ///< open-addressing memo table (else std::unordered_map, the old one)
  bool stop_at_first_solution = false;               ///< end the search at the first solution met
  std::size_t memo_capacity = std::size_t{1} << 22;  ///< states stored at most (~50 bytes each)
  std::size_t max_listed = std::size_t{1} << 20;     ///< maps kept in the result at most
  std::uint64_t node_limit = 0;                      ///< stop after this many nodes; 0 = no limit
};

struct ExactResult {
  /// Every solution as a map, sorted; complete when listing_complete.
  std::vector<RestrictionMap> maps;
  std::uint64_t map_count = 0;          ///< distinct restriction maps
  std::uint64_t ordered_pairs = 0;      ///< ordered pairs (sigma, mu) of labelled permutations with H = 0
  std::uint64_t mirror_classes = 0;     ///< maps up to mirror reversal (valid when listing_complete)
  std::uint64_t palindromes = 0;        ///< maps equal to their own mirror image (when listing_complete)
  bool complete = true;                 ///< false when node_limit or stop_at_first_solution ended the search (counts are then lower bounds)
  bool listing_complete = true;         ///< all maps are in `maps` (complete and <= max_listed)
  std::uint64_t nodes = 0;              ///< search nodes expanded
  std::uint64_t memo_hits = 0;          ///< subproblems answered from the memo
  std::size_t memo_entries = 0;
  double seconds = 0;                   ///< wall-clock time of the search
  std::uint64_t first_solution_nodes = 0;  ///< nodes expanded when the first solution was met (0: none)
  double first_solution_seconds = -1;      ///< time to the first solution; < 0 when none was met
};

/// Every solution of the (validated) instance; see the file comment for the method.
ExactResult enumerate_solutions(const Instance& instance, const ExactOptions& options = {});

}  // namespace nnsim::anneal
