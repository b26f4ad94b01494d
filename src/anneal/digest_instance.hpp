#pragma once
// Double-digest instances (Section 4.3 of the book, Table 4.1; Goldstein and Waterman 1987) and
// restriction maps.
//
// A molecule of length L is cut by enzyme A into fragments of lengths a (in some unknown order),
// by enzyme B into fragments b, and by both together into fragments c. A restriction map places
// the cuts: the sorted interior cut positions (0 < x < L) of A and of B. Conventions:
//  - Coincident cuts. An A cut and a B cut at the same position give one cut in the double
//    digest, so the observed list c has n_a + n_b - 1 - k entries for k coincidences. Models
//    (the energy in digest.hpp) count such a coincidence as a double-digest piece of length 0;
//    double_digest() below returns only the positive pieces (what the gel shows).
//  - Consistent sizes: max(n_a, n_b) <= |c| <= n_a + n_b - 1 (no coincidence gives the upper
//    bound; every cut of the enzyme with fewer cuts coinciding gives the lower one).
//  - Distinct solutions are distinct maps; two maps are mirror images when x -> L - x maps one
//    onto the other. canonical_mirror() picks the lexicographically smaller of the two
//    (comparing a_cuts first, then b_cuts), so maps up to mirror are distinct canonical forms.
//  - An ordered pair of permutations (sigma, mu) of the labelled fragments determines one map;
//    a map arises from prod_v m_a(v)! * prod_v m_b(v)! pairs, m(v) the multiplicity of length v
//    in a (resp. b) (equal-length fragments exchanged).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.hpp"

namespace nnsim {
class JsonValue;
}

namespace nnsim::anneal {

using Length = std::int64_t;

/// One double-digest problem: fragment lengths of the single digests a, b and the double digest c.
struct Instance {
  std::string name;
  Length L = 0;
  std::vector<Length> a, b, c;

  /// Throws UsageError naming the instance, the list and the reason: an empty list, a length
  /// <= 0, a list whose sum is not L, |c| outside [max(|a|,|b|), |a| + |b| - 1], L <= 0.
  void validate() const;
  /// n_a + n_b - 1: the number of double-digest pieces of a map, zero-length ones included.
  std::size_t piece_count() const { return a.size() + b.size() - 1; }
};

/// Instances of a JSON document: either {"instances": [ {...}, ... ]} or one instance object.
/// An instance object has "name" (string; default "instance<k>"), "L" (integer), "a", "b", "c"
/// (arrays of integers); other keys are ignored. Each instance is validated. `source` names the
/// document in error messages.
std::vector<Instance> parse_instances_json(std::string_view text, std::string_view source = "<json>");
std::vector<Instance> instances_from_json(const JsonValue& document);
std::vector<Instance> read_instances_json(const std::string& path);

/// One instance from command-line text, fields separated by ';', each "key=value":
///   "name=L10000; L=10000; a=5976,1543,1319,1120,42; b=4513,2823,2057,607; c=4513,...,42"
/// Keys name (optional, default "cmdline"), L, a, b, c; lists are comma-separated integers;
/// white space around tokens is ignored. Unknown, repeated or missing keys and malformed numbers
/// are UsageErrors; the result is validated.
Instance parse_instance_text(std::string_view text);

/// The inverse of parse_instance_text (for logs and provenance).
std::string format_instance_text(const Instance& instance);

/// A restriction map: sorted interior cut positions (0 < x < L) of enzyme A and of enzyme B.
struct RestrictionMap {
  std::vector<Length> a_cuts, b_cuts;
  friend bool operator==(const RestrictionMap&, const RestrictionMap&) = default;
  friend auto operator<=>(const RestrictionMap&, const RestrictionMap&) = default;
};

/// The map of orderings: cuts at the partial sums of the fragments in the given order
/// (order[k] = index into lengths of the k-th fragment from the left end at 0).
RestrictionMap map_from_orders(const Instance& instance, const std::vector<int>& sigma, const std::vector<int>& mu);
/// The map of fragment-length sequences read from the left end (not indices).
RestrictionMap map_from_sequences(const std::vector<Length>& a_sequence, const std::vector<Length>& b_sequence);
/// Fragment lengths between consecutive cuts (0, cuts..., L), left to right.
std::vector<Length> fragments_from_cuts(const std::vector<Length>& cuts, Length L);
/// Positive double-digest pieces of a map (the union of the cut sets), left to right.
std::vector<Length> double_digest(const RestrictionMap& map, Length L);
/// True when the map's A, B and double-digest fragments equal a, b and c as multisets.
bool verify_map(const Instance& instance, const RestrictionMap& map);
/// The map of the reversed molecule, x -> L - x.
RestrictionMap mirror(const RestrictionMap& map, Length L);
/// The smaller of map and mirror(map) (see the file comment).
RestrictionMap canonical_mirror(const RestrictionMap& map, Length L);
/// Number of ordered pairs (sigma, mu) of labelled-fragment permutations giving one map:
/// prod m_a(v)! prod m_b(v)!. Throws std::overflow_error beyond 2^64 - 1.
std::uint64_t orderings_per_map(const Instance& instance);
/// "A: 5976 1543 ... | B: ..." as fragment sequences, for printing.
std::string format_map(const RestrictionMap& map, Length L);

/// A random instance with a known solution, for scaling studies.
struct PlantedInstance {
  Instance instance;
  RestrictionMap planted;
};

/// n_a - 1 distinct A cut sites drawn uniformly from {1, ..., L-1}; then n_b - 1 distinct B cut
/// sites, drawn from the sites not cut by A unless allow_coincident (then independently, and a
/// shared site is one double-digest cut, so |c| < n_a + n_b - 1). a, b, c are returned sorted in
/// decreasing order, as in Table 4.1, so nothing of the planted order leaks. Deterministic given
/// the stream's state. Requires n_a, n_b >= 1 and enough sites (UsageError otherwise).
PlantedInstance planted_instance(std::string name, Length L, int n_a, int n_b, RandomStream& rng,
                                 bool allow_coincident = false);

}  // namespace nnsim::anneal
