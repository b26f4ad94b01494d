#pragma once
// Bit-packed ±1 patterns: bit 1 stands for +1, bit 0 for -1. Pattern mu occupies
// words_per_pattern() consecutive 64-bit words; bits beyond N are zero.

#include <bit>
#include <cstdint>
#include <vector>

#include "core/rng.hpp"

namespace nnsim::hopfield {

class PatternSet {
 public:
  PatternSet(std::size_t num_patterns, std::size_t num_neurons);

  /// p independent random patterns, every bit ±1 with probability 1/2 (the book's (2.29)).
  static PatternSet random(std::size_t num_patterns, std::size_t num_neurons, RandomStream& rng);

  std::size_t num_patterns() const { return num_patterns_; }
  std::size_t num_neurons() const { return num_neurons_; }
  std::size_t words_per_pattern() const { return words_; }
  const std::uint64_t* pattern(std::size_t mu) const { return bits_.data() + mu * words_; }

  /// x_i^mu in {-1, +1}.
  int value(std::size_t mu, std::size_t i) const {
    return (bits_[mu * words_ + i / 64] >> (i % 64)) & 1U ? 1 : -1;
  }
  void set(std::size_t mu, std::size_t i, int value);

  /// sum_i x_i^mu x_i^nu = N - 2 * (number of differing bits).
  std::int64_t overlap(std::size_t mu, std::size_t nu) const {
    const std::uint64_t* a = pattern(mu);
    const std::uint64_t* b = pattern(nu);
    std::int64_t differing = 0;
    for (std::size_t w = 0; w < words_; ++w) differing += std::popcount(a[w] ^ b[w]);
    return static_cast<std::int64_t>(num_neurons_) - 2 * differing;
  }

 private:
  std::size_t num_patterns_;
  std::size_t num_neurons_;
  std::size_t words_;
  std::vector<std::uint64_t> bits_;
};

}  // namespace nnsim::hopfield
