#pragma once
// Exact enumeration of every solution of a double-digest instance, to check that an annealing
// ensemble found them all and to count them under the three conventions of digest_instance.hpp.
//
// Search (Method::pieces, the default): double-digest pieces are laid down from the left end.
// Each enzyme has an open fragment (its start known, its end not); x is the last double-digest
// cut. The next piece p (a distinct length left in c) ends at y = x + p, and at y enzyme A cuts,
// or B cuts, or both (a coincidence, which uses one of the K - |c| allowed zero-length pieces, or
// the right end L, where both must close their last fragment). A cut closes that enzyme's open
// fragment, whose length y - start must be a length left in a (resp. b). Random fragment lengths
// rarely fit, so most branches die at once; the fragment end is never guessed ahead of the
// pieces. Method::fragments is the plain alternative: the enzyme whose placed fragments end
// further left (A on ties) gets its next fragment, and the piece it completes must be left in c;
// a fragment that overshoots the other enzyme's frontier is a guess the pieces check only later.
// Improvements (each can be switched off for comparison):
//  - branching over distinct remaining lengths, not fragment labels, so every map is reached by
//    exactly one path (equal-length fragments are not permuted);
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
//    reused, so counting goes on far past what can be listed.
//  - a length bound: every remaining piece lies inside one A span and one B span of the part of
//    the molecule right of the lower frontier (the remaining fragments, and the part of the
//    leading enzyme's last fragment beyond the lower frontier). So for every threshold t, the
//    total length of remaining pieces >= t is at most the total length of A spans >= t, and of
//    B spans >= t. A node failing it is dead. O(distinct lengths) per node.
// Each node is one call of the search (a partial map); memo hits are counted separately.

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
