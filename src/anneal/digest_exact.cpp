#include "anneal/digest_exact.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace nnsim::anneal {

namespace {

/// SplitMix64 finaliser (Steele, Lea, Flood 2014): Zobrist keys computed, not stored.
std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Hash128 {
  std::uint64_t low = 0, high = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};
struct Hash128Hasher {
  std::size_t operator()(const Hash128& h) const { return static_cast<std::size_t>(h.low); }
};

/// Key of (list, value index, count): two independent 64-bit words.
Hash128 zobrist(std::uint64_t list, std::uint64_t index, std::uint64_t count) {
  const std::uint64_t seed = (list << 56) ^ (index << 28) ^ count;
  return {mix64(seed ^ 0x5bd1e9955bd1e995ULL), mix64(seed ^ 0x2545f4914f6cdd1dULL)};
}

/// Distinct values (descending) and their multiplicities.
struct Multiset {
  std::vector<Length> values;
  std::vector<int> counts;
  explicit Multiset(const std::vector<Length>& list) {
    std::map<Length, int, std::greater<>> tally;
    for (const Length v : list) ++tally[v];
    for (const auto& [v, n] : tally) {
      values.push_back(v);
      counts.push_back(n);
    }
  }
  int index_of(Length v) const {
    const auto it = std::lower_bound(values.begin(), values.end(), v, std::greater<>());
    return it != values.end() && *it == v ? static_cast<int>(it - values.begin()) : -1;
  }
};

std::uint64_t checked_add(std::uint64_t x, std::uint64_t y) {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(x, y, &sum)) throw std::overflow_error("double-digest solution count exceeds 2^64");
  return sum;
}

class Search {
 public:
  Search(const Instance& instance, const ExactOptions& options, ExactResult& result)
      : instance_(instance), options_(options), result_(result), a_(instance.a), b_(instance.b), c_(instance.c) {
    zeros_left_ = static_cast<int>(instance.piece_count() - instance.c.size());
    for (std::size_t i = 0; i < a_.counts.size(); ++i) a_left_ += a_.counts[i];
    for (std::size_t i = 0; i < a_.counts.size(); ++i) hash_xor(zobrist(0, i, static_cast<std::uint64_t>(a_.counts[i])));
    for (std::size_t i = 0; i < b_.counts.size(); ++i) hash_xor(zobrist(1, i, static_cast<std::uint64_t>(b_.counts[i])));
    for (std::size_t i = 0; i < c_.counts.size(); ++i) hash_xor(zobrist(2, i, static_cast<std::uint64_t>(c_.counts[i])));
  }

  std::uint64_t run() {
    if (!(options_.use_symmetry && instance_.a.size() >= 2)) return dispatch();
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < a_.values.size() && !aborted_; ++r) {
      reserved_ = static_cast<int>(r);
      take(0, a_, r);
      --a_left_;
      total = checked_add(total, dispatch());
      ++a_left_;
      give(0, a_, r);
    }
    reserved_ = -1;
    return total;
  }

  bool aborted() const { return aborted_; }
  std::size_t memo_entries() const { return memo_.size(); }

 private:
  void hash_xor(const Hash128& key) {
    hash_.low ^= key.low;
    hash_.high ^= key.high;
  }
  void take(std::uint64_t list, Multiset& set, std::size_t i) {
    hash_xor(zobrist(list, i, static_cast<std::uint64_t>(set.counts[i])));
    --set.counts[i];
    hash_xor(zobrist(list, i, static_cast<std::uint64_t>(set.counts[i])));
  }
  void give(std::uint64_t list, Multiset& set, std::size_t i) {
    hash_xor(zobrist(list, i, static_cast<std::uint64_t>(set.counts[i])));
    ++set.counts[i];
    hash_xor(zobrist(list, i, static_cast<std::uint64_t>(set.counts[i])));
  }
  Hash128 state_key() const {
    Hash128 key = hash_;
    const Hash128 extra = zobrist(3, static_cast<std::uint64_t>(zeros_left_),
                                  static_cast<std::uint64_t>((reserved_ + 1) * 2 + (reserved_placed_ ? 1 : 0)));
    key.low ^= extra.low;
    key.high ^= extra.high;
    return key;
  }
  bool listing() const { return result_.maps.size() < options_.max_listed; }

  /// The length bound of the header: for every threshold t (a remaining c value), the remaining
  /// pieces of length >= t need at least that much room in A spans (and in B spans) of length >= t.
  bool room_for_pieces() const {
    // Fragment method: the leading enzyme's last fragment reaches beyond the lower frontier. Piece
    // method: the open fragments are still in the multisets, at full length.
    const bool fragments = options_.method == ExactOptions::Method::fragments;
    const Length open_a = fragments && fa_ > fb_ ? fa_ - fb_ : 0;
    const Length open_b = fragments && fb_ > fa_ ? fb_ - fa_ : 0;
    Length pieces = 0, room_a = 0, room_b = 0;
    std::size_t ia = 0, ib = 0;
    for (std::size_t i = 0; i < c_.values.size(); ++i) {
      if (c_.counts[i] == 0) continue;
      const Length t = c_.values[i];
      pieces += t * c_.counts[i];
      for (; ia < a_.values.size() && a_.values[ia] >= t; ++ia) {
        const int reserved_left = static_cast<int>(ia) == reserved_ && !reserved_placed_ ? 1 : 0;
        room_a += a_.values[ia] * (a_.counts[ia] + reserved_left);
      }
      for (; ib < b_.values.size() && b_.values[ib] >= t; ++ib) room_b += b_.values[ib] * b_.counts[ib];
      if (pieces > room_a + (open_a >= t ? open_a : 0) || pieces > room_b + (open_b >= t ? open_b : 0)) return false;
    }
    return true;
  }

  void record() {
    auto push = [&](RestrictionMap map) {
      if (listing()) {
        result_.maps.push_back(std::move(map));
      } else {
        result_.listing_complete = false;
      }
    };
    RestrictionMap map = map_from_sequences(seq_a_, seq_b_);
    const bool has_mirror_partner = reserved_ >= 0 && seq_a_.front() < seq_a_.back();
    if (has_mirror_partner) push(mirror(map, instance_.L));
    push(std::move(map));
  }

  std::uint64_t dispatch() {
    b_left_ = static_cast<int>(instance_.b.size());
    return options_.method == ExactOptions::Method::pieces ? search_pieces() : search();
  }

  /// Index of an A fragment of length `length` that may close A's open fragment now, or -1.
  int closable_a(Length length) const {
    const int index = a_.index_of(length);
    if (index < 0) return -1;
    if (reserved_ >= 0 && a_left_ == 0) return index == reserved_ && !reserved_placed_ ? index : -1;
    return a_.counts[static_cast<std::size_t>(index)] > 0 ? index : -1;
  }
  int closable_b(Length length) const {
    const int index = b_.index_of(length);
    return index >= 0 && b_.counts[static_cast<std::size_t>(index)] > 0 ? index : -1;
  }
  /// Longest A (B) fragment still available.
  Length longest_a() const {
    for (std::size_t i = 0; i < a_.values.size(); ++i) {
      if (a_.counts[i] > 0 || (static_cast<int>(i) == reserved_ && !reserved_placed_)) return a_.values[i];
    }
    return 0;
  }
  Length longest_b() const {
    for (std::size_t i = 0; i < b_.values.size(); ++i) {
      if (b_.counts[i] > 0) return b_.values[i];
    }
    return 0;
  }

  void close_a(int index, Length length) {
    if (reserved_ >= 0 && a_left_ == 0) {
      reserved_placed_ = true;
    } else {
      take(0, a_, static_cast<std::size_t>(index));
      --a_left_;
    }
    seq_a_.push_back(length);
    fa_ += length;
  }
  void open_a(int index, Length length) {
    fa_ -= length;
    seq_a_.pop_back();
    if (reserved_ >= 0 && reserved_placed_ && index == reserved_ && a_left_ == 0) {
      reserved_placed_ = false;
    } else {
      give(0, a_, static_cast<std::size_t>(index));
      ++a_left_;
    }
  }

  /// Branching on pieces (header): fa_ and fb_ are the starts of the open fragments, x the last
  /// double-digest cut; the next piece p ends at y = x + p, where A, B or both must cut.
  /// Shared by both searches: a subproblem answered by the memo (or cut by the node limit)
  /// returns its count; otherwise the node is counted and nothing is returned. Fills `key`
  /// when the memo is on.
  std::optional<std::uint64_t> enter(Hash128& key) {
    if (options_.use_memo) {
      key = state_key();
      const auto found = memo_.find(key);
      if (found != memo_.end() && (found->second == 0 || !listing())) {
        ++result_.memo_hits;
        // Solutions below a counted state are not listed again.
        if (found->second > 0) result_.listing_complete = false;
        return found->second;
      }
    }
    if (options_.node_limit && result_.nodes >= options_.node_limit) {
      aborted_ = true;
      return std::uint64_t{0};
    }
    ++result_.nodes;
    return std::nullopt;
  }

  std::uint64_t search_pieces() {
    const Length L = instance_.L;
    const Length x = std::max(fa_, fb_);
    if (x == L && fa_ == L && fb_ == L) {
      record();
      return 1;
    }
    Hash128 key{};
    if (const auto answered = enter(key)) return *answered;
    // Both open fragments must still be closable by some fragment longer than their part so far.
    bool alive = longest_a() > x - fa_ && longest_b() > x - fb_;
    if (alive && options_.use_bounds) alive = room_for_pieces();
    std::uint64_t total = 0;
    const int a_remaining = a_left_ + (reserved_ >= 0 && !reserved_placed_ ? 1 : 0);
    for (std::size_t ic = 0; alive && ic < c_.values.size() && !aborted_; ++ic) {
      if (c_.counts[ic] == 0) continue;
      const Length y = x + c_.values[ic];
      if (y > L) continue;
      const Length length_a = y - fa_;
      const Length length_b = y - fb_;
      const int ia = closable_a(length_a);
      const int ib = closable_b(length_b);
      // Who cuts at y: 1 = A, 2 = B, 3 = both (a coincidence, or the right end).
      for (int who = 1; who <= 3; ++who) {
        if (y == L ? who != 3 || a_remaining != 1 || b_left_ != 1 : who == 3 && zeros_left_ == 0) continue;
        if ((who & 1) && ia < 0) continue;
        if ((who & 2) && ib < 0) continue;
        const bool first_a = (who & 1) && fa_ == 0 && reserved_ >= 0;
        const Length reserved_length = reserved_ >= 0 ? a_.values[static_cast<std::size_t>(reserved_)] : 0;
        if (first_a && length_a > reserved_length) continue;
        const bool coincidence = who == 3 && y < L;
        take(2, c_, ic);
        if (coincidence) --zeros_left_;
        if (who & 1) close_a(ia, length_a);
        if (who & 2) {
          take(1, b_, static_cast<std::size_t>(ib));
          --b_left_;
          seq_b_.push_back(length_b);
          fb_ += length_b;
        }
        std::uint64_t below = search_pieces();
        if (first_a && length_a < reserved_length) below = checked_add(below, below);
        total = checked_add(total, below);
        if (who & 2) {
          fb_ -= length_b;
          seq_b_.pop_back();
          ++b_left_;
          give(1, b_, static_cast<std::size_t>(ib));
        }
        if (who & 1) open_a(ia, length_a);
        if (coincidence) ++zeros_left_;
        give(2, c_, ic);
      }
    }
    if (options_.use_memo && !aborted_ && memo_.size() < options_.memo_capacity) memo_.emplace(key, total);
    return total;
  }

  std::uint64_t search() {
    const Length L = instance_.L;
    if (fa_ == L && fb_ == L) {
      record();
      return 1;
    }
    Hash128 key{};
    if (const auto answered = enter(key)) return *answered;
    if (options_.use_bounds && !room_for_pieces()) {
      if (options_.use_memo && memo_.size() < options_.memo_capacity) memo_.emplace(key, 0);
      return 0;
    }

    const bool extend_a = fa_ <= fb_ && fa_ < L;
    Multiset& x = extend_a ? a_ : b_;
    Length& fx = extend_a ? fa_ : fb_;
    const Length fy = extend_a ? fb_ : fa_;
    std::vector<Length>& sequence = extend_a ? seq_a_ : seq_b_;
    const std::uint64_t list = extend_a ? 0 : 1;
    const bool first_a = extend_a && fa_ == 0 && reserved_ >= 0;
    // The reserved last A fragment is placed only when no other A fragment is left.
    const bool place_reserved = extend_a && reserved_ >= 0 && a_left_ == 0;

    std::uint64_t total = 0;
    for (std::size_t i = 0; i < x.values.size() && !aborted_; ++i) {
      if (place_reserved ? static_cast<int>(i) != reserved_ : x.counts[i] == 0) continue;
      const Length v = x.values[i];
      if (first_a && v > a_.values[static_cast<std::size_t>(reserved_)]) continue;
      // The piece this fragment completes, and whether it makes a coincident cut.
      Length piece = 0;
      bool coincident = false;
      bool makes_piece = fx < fy;
      if (makes_piece) {
        const Length gap = fy - fx;
        piece = std::min(v, gap);
        coincident = v == gap && fy < L;
      }
      int c_index = -1;
      if (makes_piece) {
        c_index = c_.index_of(piece);
        if (c_index < 0 || c_.counts[static_cast<std::size_t>(c_index)] == 0) continue;
      }
      if (coincident && zeros_left_ == 0) continue;

      if (place_reserved) {
        reserved_placed_ = true;
      } else {
        take(list, x, i);
        if (extend_a) --a_left_;
      }
      if (makes_piece) take(2, c_, static_cast<std::size_t>(c_index));
      if (coincident) --zeros_left_;
      fx += v;
      sequence.push_back(v);

      std::uint64_t below = search();
      // A first A fragment shorter than the reserved last one stands for the mirror image too.
      if (first_a && v < a_.values[static_cast<std::size_t>(reserved_)]) below = checked_add(below, below);
      total = checked_add(total, below);

      sequence.pop_back();
      fx -= v;
      if (coincident) ++zeros_left_;
      if (makes_piece) give(2, c_, static_cast<std::size_t>(c_index));
      if (place_reserved) {
        reserved_placed_ = false;
      } else {
        give(list, x, i);
        if (extend_a) ++a_left_;
      }
    }
    if (options_.use_memo && !aborted_ && memo_.size() < options_.memo_capacity) memo_.emplace(key, total);
    return total;
  }

  const Instance& instance_;
  const ExactOptions& options_;
  ExactResult& result_;
  Multiset a_, b_, c_;
  int a_left_ = 0;  // A fragments left, the reserved one not counted
  int b_left_ = 0;  // B fragments left (pieces method)
  int zeros_left_ = 0;
  int reserved_ = -1;  // index into a_.values of the reserved last A fragment, or -1
  bool reserved_placed_ = false;
  Length fa_ = 0, fb_ = 0;
  std::vector<Length> seq_a_, seq_b_;
  Hash128 hash_;
  std::unordered_map<Hash128, std::uint64_t, Hash128Hasher> memo_;
  bool aborted_ = false;
};

}  // namespace

ExactResult enumerate_solutions(const Instance& instance, const ExactOptions& options) {
  instance.validate();
  ExactResult result;
  const auto start = std::chrono::steady_clock::now();
  Search search(instance, options, result);
  result.map_count = search.run();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.complete = !search.aborted();
  result.memo_entries = search.memo_entries();
  result.listing_complete = result.listing_complete && result.complete && result.maps.size() == result.map_count;
  std::sort(result.maps.begin(), result.maps.end());
  const std::uint64_t per_map = orderings_per_map(instance);
  if (__builtin_mul_overflow(result.map_count, per_map, &result.ordered_pairs)) {
    throw std::overflow_error("instance '" + instance.name + "': ordered pairs exceed 2^64");
  }
  if (result.listing_complete) {
    std::set<RestrictionMap> classes;
    for (const RestrictionMap& map : result.maps) {
      classes.insert(canonical_mirror(map, instance.L));
      if (mirror(map, instance.L) == map) ++result.palindromes;
    }
    result.mirror_classes = classes.size();
  }
  return result;
}

}  // namespace nnsim::anneal
