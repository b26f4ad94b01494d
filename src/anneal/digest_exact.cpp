#include "anneal/digest_exact.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <utility>

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

/// Completion counts by 128-bit state hash, at most `capacity` states. The flat variant is an
/// open-addressing table with linear probing (Knuth, TAOCP vol. 3, 6.4, Algorithm L) that doubles
/// at half load: one cache line per probe instead of a node allocation per state as in
/// std::unordered_map (kept for the baseline measurements).
class Memo {
 public:
  Memo(bool flat, std::size_t capacity) : flat_(flat), capacity_(capacity) {}
  std::optional<std::uint64_t> find(const Hash128& key) const {
    if (!flat_) {
      const auto found = map_.find(key);
      return found == map_.end() ? std::nullopt : std::optional<std::uint64_t>(found->second);
    }
    if (slots_.empty()) return std::nullopt;
    const Hash128 k = stored(key);
    for (std::size_t i = static_cast<std::size_t>(k.low) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return slots_[i].count;
      if (slots_[i].key == Hash128{}) return std::nullopt;
    }
  }
  void insert(const Hash128& key, std::uint64_t count) {
    if (size() >= capacity_) return;
    if (!flat_) {
      map_.emplace(key, count);
      return;
    }
    if (2 * (size_ + 1) > slots_.size()) grow();
    const Hash128 k = stored(key);
    std::size_t i = static_cast<std::size_t>(k.low) & mask_;
    for (; slots_[i].key != Hash128{}; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return;
    }
    slots_[i] = {k, count};
    ++size_;
  }
  std::size_t size() const { return flat_ ? size_ : map_.size(); }

 private:
  struct Slot {
    Hash128 key;
    std::uint64_t count = 0;
  };
  /// The all-zero key marks an empty slot; one bit of the high word is given up for it.
  static Hash128 stored(Hash128 key) {
    key.high |= 1;
    return key;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(std::size_t{1} << 10, 2 * old.size()), Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.key == Hash128{}) continue;
      std::size_t i = static_cast<std::size_t>(slot.key.low) & mask_;
      while (slots_[i].key != Hash128{}) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }
  bool flat_;
  std::size_t capacity_;
  std::unordered_map<Hash128, std::uint64_t, Hash128Hasher> map_;
  std::vector<Slot> slots_;
  std::size_t mask_ = 0, size_ = 0;
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

/// One branch of the ends search: the next piece (index into the distinct c values) at one end,
/// and who cuts at its inner end: 1 = A, 2 = B, 3 = both; ia, ib index the fragments closed.
struct EndMove {
  std::size_t ic = 0;
  int who = 0, ia = -1, ib = -1;
};

/// Run branches (header): `count` complete fragments of the cutting enzyme K of length value
/// (distinct c index ic, K index k_index) ...
struct RunItem {
  std::size_t ic = 0;
  int k_index = -1;
  int count = 0;
};
/// ... followed by the piece q_ic at whose end the open enzyme O cuts (fragment o_index), K too
/// when coincident. items index the RunItems of the buffer.
struct Run {
  std::size_t q_ic = 0;
  int o_index = -1;
  bool coincident = false;
  std::size_t first_item = 0, items = 0;
};
struct RunBuffer {
  std::vector<Run> runs;
  std::vector<RunItem> items, candidates, stack;
  std::vector<std::uint64_t> reach;  // reach[j]: sums of candidates j.. (bitset rows)
};

class Search {
 public:
  Search(const Instance& instance, const ExactOptions& options, ExactResult& result)
      : instance_(instance),
        options_(options),
        result_(result),
        a_(instance.a),
        b_(instance.b),
        c_(instance.c),
        memo_(options.flat_memo, options.memo_capacity),
        start_(std::chrono::steady_clock::now()) {
    zeros_left_ = static_cast<int>(instance.piece_count() - instance.c.size());
    for (std::size_t i = 0; i < a_.counts.size(); ++i) a_left_ += a_.counts[i];
    b_left_ = static_cast<int>(instance.b.size());
    c_left_ = static_cast<int>(instance.c.size());
    gar_ = gbr_ = xr_ = instance.L;
    // Length -> index of the distinct value, for the O(1) membership tests of the ends search.
    if (instance.L <= (Length{1} << 24)) {
      a_index_.assign(static_cast<std::size_t>(instance.L) + 1, -1);
      b_index_.assign(static_cast<std::size_t>(instance.L) + 1, -1);
      for (std::size_t i = 0; i < a_.values.size(); ++i) a_index_[static_cast<std::size_t>(a_.values[i])] = static_cast<int>(i);
      for (std::size_t i = 0; i < b_.values.size(); ++i) b_index_[static_cast<std::size_t>(b_.values[i])] = static_cast<int>(i);
    }
    ends_symmetry_ = options.use_symmetry && instance.a.size() >= 2;
    moves_.resize(2 * instance.c.size() + 2);
    runs_.resize(2 * instance.c.size() + 2);
    for (std::size_t i = 0; i < a_.counts.size(); ++i) hash_xor(zobrist(0, i, static_cast<std::uint64_t>(a_.counts[i])));
    for (std::size_t i = 0; i < b_.counts.size(); ++i) hash_xor(zobrist(1, i, static_cast<std::uint64_t>(b_.counts[i])));
    for (std::size_t i = 0; i < c_.counts.size(); ++i) hash_xor(zobrist(2, i, static_cast<std::uint64_t>(c_.counts[i])));
  }

  std::uint64_t run() {
    if (options_.method == ExactOptions::Method::ends) return search_ends();
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
  /// The ends search: the subproblem between the frontiers is fixed, up to translation, by the
  /// multisets left, the offsets of the open fragments at both ends and the mirror status.
  Hash128 ends_state_key() const {
    Hash128 key = hash_;
    const auto word = [](std::uint64_t salt, std::uint64_t u, std::uint64_t v, std::uint64_t w) {
      return mix64(salt ^ mix64(u ^ mix64(v ^ mix64(w))));
    };
    const std::uint64_t left = static_cast<std::uint64_t>(fal_ - fbl_ + instance_.L);
    const std::uint64_t right = static_cast<std::uint64_t>(gar_ - gbr_ + instance_.L);
    const std::uint64_t status = static_cast<std::uint64_t>(mirror_status()) << 40 ^ static_cast<std::uint64_t>(mirror_value());
    key.low ^= word(0x243f6a8885a308d3ULL, left, right, status);
    key.high ^= word(0x13198a2e03707344ULL, left, right, status);
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

  /// Time and nodes to the first solution; with stop_at_first_solution the search ends there.
  void note_solution() {
    if (solutions_met_++ == 0) {
      result_.first_solution_nodes = result_.nodes;
      result_.first_solution_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    if (options_.stop_at_first_solution) aborted_ = true;
  }

  void record() {
    note_solution();
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
      key = options_.method == ExactOptions::Method::ends ? ends_state_key() : state_key();
      const auto found = memo_.find(key);
      if (found && (*found == 0 || !listing())) {
        ++result_.memo_hits;
        // Solutions below a counted state are not listed again.
        if (*found > 0) result_.listing_complete = false;
        return *found;
      }
    }
    if (aborted_ || (options_.node_limit && result_.nodes >= options_.node_limit)) {
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
    if (options_.use_memo && !aborted_) memo_.insert(key, total);
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
      if (options_.use_memo) memo_.insert(key, 0);
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
    if (options_.use_memo && !aborted_) memo_.insert(key, total);
    return total;
  }

  // ---- The ends search (Method::ends, header) ----

  /// Index of an available fragment of exactly `length` in `set`, or -1.
  static int available(const Multiset& set, const std::vector<int>& table, Length length) {
    if (length <= 0) return -1;
    int index = -1;
    if (!table.empty()) {
      if (length >= static_cast<Length>(table.size())) return -1;
      index = table[static_cast<std::size_t>(length)];
    } else {
      index = set.index_of(length);
    }
    return index >= 0 && set.counts[static_cast<std::size_t>(index)] > 0 ? index : -1;
  }
  /// True when a fragment left in `set` has a length strictly between low and high.
  static bool some_between(const Multiset& set, Length low, Length high) {
    for (std::size_t i = 0; i < set.values.size() && set.values[i] > low; ++i) {
      if (set.counts[i] > 0 && set.values[i] < high) return true;
    }
    return false;
  }
  static Length longest(const Multiset& set) {
    for (std::size_t i = 0; i < set.values.size(); ++i) {
      if (set.counts[i] > 0) return set.values[i];
    }
    return 0;
  }
  /// Mirror status of the ends search: 0 neither the first nor the last A fragment known, 1 the
  /// first, 2 the last, 3 both; and the one known value (statuses 1, 2).
  int mirror_status() const { return (first_a_ > 0 ? 1 : 0) + (last_a_ > 0 ? 2 : 0); }
  Length mirror_value() const {
    const int status = mirror_status();
    return status == 1 ? first_a_ : status == 2 ? last_a_ : 0;
  }

  /// Necessary conditions on the open fragments: with one fragment of an enzyme left it spans
  /// both open ends exactly; otherwise the left one ends, and the right one starts, at an interior
  /// cut strictly between the frontiers.
  bool ends_alive() const {
    const auto fits = [&](const Multiset& set, const std::vector<int>& table, int left, Length start, Length end) {
      if (left == 1) return available(set, table, end - start) >= 0;
      return some_between(set, xl_ - start, xr_ - start) && some_between(set, end - xr_, end - xl_);
    };
    if (!fits(a_, a_index_, a_left_, fal_, gar_) || !fits(b_, b_index_, b_left_, fbl_, gbr_)) return false;
    return !options_.use_bounds || room_for_pieces();
  }

  /// Branches at the left (right = false) or right end: a piece p left in c reaches from the
  /// frontier to y, strictly inside the gap (more than one piece is left), and at y A closes its
  /// open fragment (length left in a), or B does, or both (a coincidence). An enzyme that does
  /// not cut at y must have a fragment longer than its open part.
  void collect_end_moves(bool right, std::vector<EndMove>& moves) const {
    moves.clear();
    const Length longest_left_a = a_left_ >= 2 ? longest(a_) : 0;
    const Length longest_left_b = b_left_ >= 2 ? longest(b_) : 0;
    for (std::size_t ic = 0; ic < c_.values.size(); ++ic) {
      if (c_.counts[ic] == 0) continue;
      const Length y = right ? xr_ - c_.values[ic] : xl_ + c_.values[ic];
      if (right ? y <= xl_ : y >= xr_) continue;
      const Length length_a = right ? gar_ - y : y - fal_;
      const Length length_b = right ? gbr_ - y : y - fbl_;
      int ia = a_left_ >= 2 ? available(a_, a_index_, length_a) : -1;
      const int ib = b_left_ >= 2 ? available(b_, b_index_, length_b) : -1;
      if (ia >= 0 && ends_symmetry_) {
        // First A fragment <= last A fragment (header).
        if (!right && fal_ == 0 && last_a_ > 0 && length_a > last_a_) ia = -1;
        if (right && gar_ == instance_.L && first_a_ > 0 && length_a < first_a_) ia = -1;
      }
      const bool a_continues = a_left_ == 1 || length_a < longest_left_a;
      const bool b_continues = b_left_ == 1 || length_b < longest_left_b;
      if (ia >= 0 && b_continues) moves.push_back({ic, 1, ia, -1});
      if (ib >= 0 && a_continues) moves.push_back({ic, 2, -1, ib});
      if (ia >= 0 && ib >= 0 && zeros_left_ > 0) moves.push_back({ic, 3, ia, ib});
    }
  }

  /// One piece left: it fills the gap, and the one A and one B fragment left must span the open
  /// ends. Returns the solutions this stands for (2 when it also stands for its mirror image).
  std::uint64_t finish_ends() {
    if (a_left_ != 1 || b_left_ != 1 || zeros_left_ != 0) return 0;
    const Length span_a = gar_ - fal_;
    if (available(a_, a_index_, span_a) < 0 || available(b_, b_index_, gbr_ - fbl_) < 0) return 0;
    std::uint64_t factor = 1;
    if (ends_symmetry_ && (fal_ == 0 || gar_ == instance_.L)) {
      const Length first = fal_ == 0 ? span_a : first_a_;
      const Length last = gar_ == instance_.L ? span_a : last_a_;
      if (first > last) return 0;
      if (first < last) factor = 2;
    }
    note_solution();
    if (!listing()) {
      result_.listing_complete = false;
      return factor;
    }
    std::vector<Length> sequence_a = seq_a_, sequence_b = seq_b_;
    sequence_a.push_back(span_a);
    sequence_b.push_back(gbr_ - fbl_);
    sequence_a.insert(sequence_a.end(), right_a_.rbegin(), right_a_.rend());
    sequence_b.insert(sequence_b.end(), right_b_.rbegin(), right_b_.rend());
    RestrictionMap map = map_from_sequences(sequence_a, sequence_b);
    // A map with first < last A fragment also stands for its mirror image, whichever edge
    // carried the factor 2.
    if (ends_symmetry_ && sequence_a.front() < sequence_a.back()) {
      if (listing()) {
        result_.maps.push_back(mirror(map, instance_.L));
      } else {
        result_.listing_complete = false;
      }
    }
    if (listing()) {
      result_.maps.push_back(std::move(map));
    } else {
      result_.listing_complete = false;
    }
    return factor;
  }

  std::uint64_t search_ends() {
    if (c_left_ == 1) return finish_ends();
    Hash128 key{};
    if (const auto answered = enter(key)) return *answered;
    std::uint64_t total = 0;
    if (ends_alive()) {
      const std::size_t depth = instance_.c.size() - static_cast<std::size_t>(c_left_);
      std::vector<EndMove>& left_moves = moves_[2 * depth];
      std::vector<EndMove>& right_moves = moves_[2 * depth + 1];
      RunBuffer& left_runs = runs_[2 * depth];
      RunBuffer& right_runs = runs_[2 * depth + 1];
      // Branches at each end: runs where they apply, single pieces otherwise.
      const bool left_by_runs = options_.use_runs && collect_runs(false, left_runs);
      if (!left_by_runs) collect_end_moves(false, left_moves);
      const std::size_t left_count = left_by_runs ? left_runs.runs.size() : left_moves.size();
      bool right_by_runs = false;
      std::size_t right_count = 0;
      if (left_count > 0) {
        right_by_runs = options_.use_runs && collect_runs(true, right_runs);
        if (!right_by_runs) collect_end_moves(true, right_moves);
        right_count = right_by_runs ? right_runs.runs.size() : right_moves.size();
      }
      // Fail first (Haralick & Elliott 1980): the end with fewer branches; none at either end
      // means the state is dead. Otherwise the ends alternate.
      const bool right = options_.fail_first ? right_count < left_count : depth % 2 == 1;
      if (left_count > 0 && right_count > 0) {
        if (right ? right_by_runs : left_by_runs) {
          const RunBuffer& buffer = right ? right_runs : left_runs;
          for (const Run& run : buffer.runs) {
            if (aborted_) break;
            total = checked_add(total, apply_run(right, run, buffer));
          }
        } else {
          for (const EndMove& move : right ? right_moves : left_moves) {
            if (aborted_) break;
            total = checked_add(total, apply_end_move(right, move));
          }
        }
      }
    }
    if (options_.use_memo && !aborted_) memo_.insert(key, total);
    return total;
  }

  std::uint64_t apply_end_move(bool right, const EndMove& move) {
    Saved saved;
    const std::uint64_t factor = do_move(right, move, saved);
    std::uint64_t below = search_ends();
    if (factor == 2) below = checked_add(below, below);
    undo_move(right, move, saved);
    return below;
  }

  struct Saved {
    Length xl = 0, fal = 0, fbl = 0, xr = 0, gar = 0, gbr = 0, first = 0, last = 0;
  };
  /// Lays one piece at an end; returns 2 on the edge that carries the mirror image, else 1.
  std::uint64_t do_move(bool right, const EndMove& move, Saved& saved) {
    const Length piece = c_.values[move.ic];
    const Length y = right ? xr_ - piece : xl_ + piece;
    saved = {xl_, fal_, fbl_, xr_, gar_, gbr_, first_a_, last_a_};
    const Length saved_first = first_a_, saved_last = last_a_;
    std::uint64_t factor = 1;
    take(2, c_, move.ic);
    --c_left_;
    if (move.who == 3) --zeros_left_;
    if (move.who & 1) {
      take(0, a_, static_cast<std::size_t>(move.ia));
      --a_left_;
      const Length length = right ? gar_ - y : y - fal_;
      (right ? right_a_ : seq_a_).push_back(length);
      if (ends_symmetry_ && !right && fal_ == 0) first_a_ = length;
      if (ends_symmetry_ && right && gar_ == instance_.L) last_a_ = length;
      // The edge on which both become known carries the mirror image (header).
      if (ends_symmetry_ && mirror_status() == 3 && (saved_first == 0 || saved_last == 0) && first_a_ < last_a_) {
        factor = 2;
      }
      (right ? gar_ : fal_) = y;
    }
    if (move.who & 2) {
      take(1, b_, static_cast<std::size_t>(move.ib));
      --b_left_;
      (right ? right_b_ : seq_b_).push_back(right ? gbr_ - y : y - fbl_);
      (right ? gbr_ : fbl_) = y;
    }
    (right ? xr_ : xl_) = y;
    return factor;
  }
  void undo_move(bool right, const EndMove& move, const Saved& saved) {
    xl_ = saved.xl, fal_ = saved.fal, fbl_ = saved.fbl;
    xr_ = saved.xr, gar_ = saved.gar, gbr_ = saved.gbr;
    first_a_ = saved.first, last_a_ = saved.last;
    if (move.who & 2) {
      (right ? right_b_ : seq_b_).pop_back();
      ++b_left_;
      give(1, b_, static_cast<std::size_t>(move.ib));
    }
    if (move.who & 1) {
      (right ? right_a_ : seq_a_).pop_back();
      ++a_left_;
      give(0, a_, static_cast<std::size_t>(move.ia));
    }
    if (move.who == 3) ++zeros_left_;
    ++c_left_;
    give(2, c_, move.ic);
  }

  // ---- Run branches (header) ----

  /// When exactly one enzyme K cuts at the frontier and the other, O, has an open fragment that
  /// must end strictly inside (O has two or more fragments left), the pieces up to O's next cut
  /// are complete K fragments (a multiset S of lengths that are in both c and K's list, in any
  /// order) and one piece q at whose far end O cuts (and K too, as a coincidence). Fills `out`
  /// with every such (S, q, O fragment, coincidence) and returns true; false when runs do not
  /// apply at this end. The sums of S are found through a reachability bitset (the subset-sum
  /// table of Bellman's dynamic programming), so only runs that reach one of O's fragment ends
  /// exactly are listed, not every subset on the way.
  bool collect_runs(bool right, RunBuffer& out) const {
    out.runs.clear();
    out.items.clear();
    const Length x = right ? xr_ : xl_;
    const bool a_cuts = (right ? gar_ : fal_) == x;
    const bool b_cuts = (right ? gbr_ : fbl_) == x;
    if (a_cuts == b_cuts) return false;
    const bool k_is_a = a_cuts;
    const Multiset& k_set = k_is_a ? a_ : b_;
    const Multiset& o_set = k_is_a ? b_ : a_;
    const std::vector<int>& k_table = k_is_a ? a_index_ : b_index_;
    const int k_left = k_is_a ? a_left_ : b_left_;
    const int o_left = k_is_a ? b_left_ : a_left_;
    if (o_left < 2) return false;
    const Length o_end = right ? (k_is_a ? gbr_ : gar_) : (k_is_a ? fbl_ : fal_);
    const Length open = right ? o_end - x : x - o_end;  // O's open part at this end
    const Length gap = xr_ - xl_;
    const Length max_target = std::min(longest(o_set) - open, gap - 1);
    if (max_target <= 0) return true;

    out.candidates.clear();
    for (std::size_t ic = 0; ic < c_.values.size(); ++ic) {
      if (c_.counts[ic] == 0 || c_.values[ic] > max_target) continue;
      const int ki = available(k_set, k_table, c_.values[ic]);
      if (ki >= 0) {
        out.candidates.push_back({ic, ki, std::min(c_.counts[ic], k_set.counts[static_cast<std::size_t>(ki)])});
      }
    }
    const std::size_t m = out.candidates.size();
    const std::size_t words = static_cast<std::size_t>(max_target) / 64 + 1;
    std::vector<std::uint64_t>& reach = out.reach;
    reach.assign((m + 1) * words, 0);
    reach[m * words] = 1;
    for (std::size_t j = m; j-- > 0;) {
      std::uint64_t* row = &reach[j * words];
      const std::uint64_t* next = &reach[(j + 1) * words];
      std::copy(next, next + words, row);
      const Length value = c_.values[out.candidates[j].ic];
      for (int count = 1; count <= out.candidates[j].count && count * value <= max_target; ++count) {
        shift_or(row, next, words, static_cast<std::size_t>(count * value));
      }
    }
    const auto reachable = [&](std::size_t j, Length sum) {
      const auto bit = static_cast<std::size_t>(sum);
      return (reach[j * words + bit / 64] >> (bit % 64) & 1) != 0;
    };

    for (std::size_t oi = 0; oi < o_set.values.size(); ++oi) {
      if (o_set.counts[oi] == 0 || o_set.values[oi] <= open) continue;
      const Length target = o_set.values[oi] - open;
      if (target > max_target) continue;
      if (!k_is_a && ends_symmetry_) {
        // O = A closes the first (last) A fragment at the left (right) end.
        if (!right && fal_ == 0 && last_a_ > 0 && o_set.values[oi] > last_a_) continue;
        if (right && gar_ == instance_.L && first_a_ > 0 && o_set.values[oi] < first_a_) continue;
      }
      for (std::size_t iq = 0; iq < c_.values.size(); ++iq) {
        if (c_.counts[iq] == 0 || c_.values[iq] > target || !reachable(0, target - c_.values[iq])) continue;
        out.stack.clear();
        enumerate_runs(out, 0, target - c_.values[iq], iq, static_cast<int>(oi), k_set, k_table, k_left, reachable);
      }
    }
    return true;
  }

  /// row |= next << shift, over bitsets of `words` 64-bit words.
  static void shift_or(std::uint64_t* row, const std::uint64_t* next, std::size_t words, std::size_t shift) {
    const std::size_t word_shift = shift / 64, bit_shift = shift % 64;
    for (std::size_t w = words; w-- > word_shift;) {
      std::uint64_t moved = next[w - word_shift] << bit_shift;
      if (bit_shift > 0 && w > word_shift) moved |= next[w - word_shift - 1] >> (64 - bit_shift);
      row[w] |= moved;
    }
  }

  /// Every multiset of candidates j.. summing to `rest` (guided by the reachability rows), each
  /// completed by the piece q_ic (non-coincident, and coincident when K has a fragment q).
  template <class Reachable>
  void enumerate_runs(RunBuffer& out, std::size_t j, Length rest, std::size_t q_ic, int o_index,
                      const Multiset& k_set, const std::vector<int>& k_table, int k_left,
                      const Reachable& reachable) const {
    if (rest == 0) {
      int used = 0, q_used_c = 0;
      for (const RunItem& item : out.stack) {
        used += item.count;
        if (item.ic == q_ic) q_used_c = item.count;
      }
      if (c_.counts[q_ic] - q_used_c <= 0) return;
      const auto emit = [&](bool coincident) {
        out.runs.push_back({q_ic, o_index, coincident, out.items.size(), out.stack.size()});
        out.items.insert(out.items.end(), out.stack.begin(), out.stack.end());
      };
      // K's fragment continues past O's cut (one K fragment must be left for it).
      if (k_left - used >= 1) emit(false);
      if (zeros_left_ > 0 && k_left - used - 1 >= 1) {
        const int kq = available(k_set, k_table, c_.values[q_ic]);
        int kq_used = 0;
        for (const RunItem& item : out.stack) {
          if (item.k_index == kq) kq_used = item.count;
        }
        if (kq >= 0 && k_set.counts[static_cast<std::size_t>(kq)] - kq_used > 0) emit(true);
      }
      return;
    }
    if (j == out.candidates.size()) return;
    const RunItem& candidate = out.candidates[j];
    const Length value = c_.values[candidate.ic];
    for (int count = 0; count <= candidate.count && count * value <= rest; ++count) {
      if (!reachable(j + 1, rest - count * value)) continue;
      if (count > 0) out.stack.push_back({candidate.ic, candidate.k_index, count});
      enumerate_runs(out, j + 1, rest - count * value, q_ic, o_index, k_set, k_table, k_left, reachable);
      if (count > 0) out.stack.pop_back();
    }
  }

  /// Lays a run; its pieces may come in any order, each order a different map with the same
  /// remainder: the count below is multiplied by the multinomial coefficient, and while maps are
  /// listed every order is laid (std::next_permutation).
  std::uint64_t apply_run(bool right, const Run& run, const RunBuffer& buffer) {
    const Length x = right ? xr_ : xl_;
    const bool k_is_a = (right ? gar_ : fal_) == x;
    std::vector<EndMove> sequence;
    std::uint64_t orders = 1;
    int placed = 0;
    for (std::size_t k = 0; k < run.items; ++k) {
      const RunItem& item = buffer.items[run.first_item + k];
      for (int copy = 1; copy <= item.count; ++copy) {
        sequence.push_back({item.ic, k_is_a ? 1 : 2, k_is_a ? item.k_index : -1, k_is_a ? -1 : item.k_index});
        // orders = placed! / prod count!, built up as a product of binomials.
        ++placed;
        if (__builtin_mul_overflow(orders, static_cast<std::uint64_t>(placed), &orders)) {
          throw std::overflow_error("double-digest solution count exceeds 2^64");
        }
        orders /= static_cast<std::uint64_t>(copy);
      }
    }
    const Length q = c_.values[run.q_ic];
    EndMove closing{run.q_ic, 0, -1, -1};
    if (k_is_a) {
      closing.who = run.coincident ? 3 : 2;
      closing.ib = run.o_index;
      closing.ia = run.coincident ? available(a_, a_index_, q) : -1;
    } else {
      closing.who = run.coincident ? 3 : 1;
      closing.ia = run.o_index;
      closing.ib = run.coincident ? available(b_, b_index_, q) : -1;
    }
    std::vector<Saved> saved(sequence.size() + 1);
    const auto lay = [&]() {
      std::uint64_t factor = 1;
      for (std::size_t k = 0; k < sequence.size(); ++k) factor *= do_move(right, sequence[k], saved[k]);
      factor *= do_move(right, closing, saved[sequence.size()]);
      std::uint64_t below = search_ends();
      if (factor == 2) below = checked_add(below, below);
      undo_move(right, closing, saved[sequence.size()]);
      for (std::size_t k = sequence.size(); k-- > 0;) undo_move(right, sequence[k], saved[k]);
      return below;
    };
    const std::uint64_t below = lay();
    if (below > 0 && orders > 1 && listing()) {
      const auto by_piece = [](const EndMove& u, const EndMove& v) { return u.ic < v.ic; };
      while (std::next_permutation(sequence.begin(), sequence.end(), by_piece) && listing() && !aborted_) lay();
    }
    std::uint64_t total = 0;
    if (__builtin_mul_overflow(below, orders, &total)) {
      throw std::overflow_error("double-digest solution count exceeds 2^64");
    }
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
  Memo memo_;
  bool aborted_ = false;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t solutions_met_ = 0;
  // Ends search: right frontier xr_, ends gar_/gbr_ of the open fragments at the right; pieces
  // left; fragment sequences read from the right end; first/last A fragment (0 = not yet known).
  int c_left_ = 0;
  Length xl_ = 0, fal_ = 0, fbl_ = 0, xr_ = 0, gar_ = 0, gbr_ = 0;
  std::vector<Length> right_a_, right_b_;
  Length first_a_ = 0, last_a_ = 0;
  bool ends_symmetry_ = false;
  std::vector<int> a_index_, b_index_;
  std::vector<std::vector<EndMove>> moves_;  // per depth: left-end moves, then right-end moves
  std::vector<RunBuffer> runs_;              // per depth: left-end runs, then right-end runs
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
