#pragma once
// Counter-based random numbers (Random123 Philox4x64-10).
//
// The single convention of the suite: the random numbers of a task depend only on
//   (master seed, point index, sample index, stream number)
// and never on the rank, the thread or the order in which tasks run. Block b of a stream is
//   philox4x64_10(counter = {point, sample, stream, b}, key = {seed, kRngDomain})
// and yields four 64-bit words, consumed in order. A stream therefore holds 2^66 words.
// Models number their streams (e.g. 0 = patterns, 1 = initial state, 2 = update order).

#include <Random123/philox.h>

#include <cstdint>
#include <limits>

namespace nnsim {

/// Second key word; changing it would change every result of the suite.
inline constexpr std::uint64_t kRngDomain = 0x6e6e73696d000001ULL;  // "nnsim" v1

/// A UniformRandomBitGenerator over one (seed, point, sample, stream) stream.
class RandomStream {
 public:
  using result_type = std::uint64_t;

  RandomStream(std::uint64_t seed, std::uint64_t point, std::uint64_t sample, std::uint64_t stream);

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
inline RandomStream make_stream(std::uint64_t seed, std::uint64_t point, std::uint64_t sample,
                                std::uint64_t stream) {
  return RandomStream(seed, point, sample, stream);
}

}  // namespace nnsim
