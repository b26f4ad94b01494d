#pragma once
// Counter-based random numbers (Random123 Philox4x64-10).
//
// The single convention of the suite: the random numbers of a task depend only on
//   (master seed, point key, sample number, stream number)
// and never on the rank, the thread, the order in which tasks run, or the grid a point sits in.
// Block b of a stream is
//   philox4x64_10(counter = {point key, sample, stream, b}, key = {seed, kRngDomain})
// and yields four 64-bit words, consumed in order. A stream therefore holds 2^66 words.
// Models number their streams (e.g. 0 = patterns, 1 = initial state, 2 = update order).
//
// The point key is a function of the values of the point's parameters, not of its position:
//   key = fmix64(FNV-1a-64(encoding))
// where `encoding` is the canonical text built by PointKey:
//   "<domain>" then, for every parameter in the order the driver adds them, "|<name>=<value>"
// with integers in decimal, reals as the shortest text that reads back as the same double
// (C++ std::to_chars; -0 is written as 0) and strings as they are. FNV-1a-64 is the
// Fowler-Noll-Vo hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the bytes;
// fmix64 is MurmurHash3's 64-bit finaliser. Drivers use domain "<program>/<experiment>" and add
// every option that changes a sample's random draws or dynamics, then the point's own grid
// values (the README lists them per driver). So sample s of a point is the same whatever other
// points share the run, in which order, and however many samples the run has (--samples,
// --first-sample only choose which sample numbers run).

#include <Random123/philox.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace nnsim {

/// Second key word; changing it would change every result of the suite.
inline constexpr std::uint64_t kRngDomain = 0x6e6e73696d000001ULL;  // "nnsim" v1

/// A UniformRandomBitGenerator over one (seed, point, sample, stream) stream.
class RandomStream {
 public:
  using result_type = std::uint64_t;

  RandomStream(std::uint64_t seed, std::uint64_t point_key, std::uint64_t sample, std::uint64_t stream);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    if (index_ == 4) refill();
    return buffer_[index_++];
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject), n > 0.
  std::uint64_t below(std::uint64_t n);
  /// Number of 64-bit words drawn so far (for checkpoints); seek() returns to such a position.
  std::uint64_t position() const { return block_ * 4 - (4 - index_); }
  void seek(std::uint64_t words);

 private:
  void refill();
  using Philox = r123::Philox4x64;
  Philox generator_;
  Philox::ctr_type counter_;
  Philox::key_type key_;
  Philox::ctr_type buffer_{};
  std::uint64_t block_ = 0;  // blocks generated so far
  unsigned index_ = 4;       // next word in buffer_; 4 = empty
};

/// The documented seeding function of the suite (see the file comment).
inline RandomStream make_stream(std::uint64_t seed, std::uint64_t point_key, std::uint64_t sample,
                                std::uint64_t stream) {
  return RandomStream(seed, point_key, sample, stream);
}

/// fmix64(FNV-1a-64) over bytes fed in pieces: the same digest as over their concatenation.
/// Point keys and checkpoint checksums use it (not cryptographic).
class Hash64 {
 public:
  void update(const void* data, std::size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) {
      state_ ^= p[i];
      state_ *= 0x100000001b3ULL;  // FNV-1a 64 prime (Fowler, Noll, Vo)
    }
  }
  /// MurmurHash3's fmix64 (Appleby) of the FNV state: every input bit affects every output bit.
  std::uint64_t digest() const {
    std::uint64_t h = state_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
};

/// Builds the canonical encoding of a point's parameters and its 64-bit key (file comment).
class PointKey {
 public:
  explicit PointKey(std::string domain);
  PointKey& add(std::string_view name, std::int64_t value);
  PointKey& add(std::string_view name, std::uint64_t value);
  PointKey& add(std::string_view name, double value);
  PointKey& add(std::string_view name, std::string_view value);
  PointKey& add(std::string_view name, const char* value) { return add(name, std::string_view(value)); }
  PointKey& add(std::string_view name, bool value) { return add(name, std::int64_t{value ? 1 : 0}); }
  const std::string& encoding() const { return encoding_; }
  std::uint64_t value() const { return hash_point_key(encoding_); }
  /// fmix64(FNV-1a-64(text)).
  static std::uint64_t hash_point_key(std::string_view text);

 private:
  std::string encoding_;
};

}  // namespace nnsim
