#include "hopfield/patterns.hpp"

namespace nnsim::hopfield {

PatternSet::PatternSet(std::size_t num_patterns, std::size_t num_neurons)
    : num_patterns_(num_patterns),
      num_neurons_(num_neurons),
      words_((num_neurons + 63) / 64),
      bits_(num_patterns * words_, 0) {}

PatternSet PatternSet::random(std::size_t num_patterns, std::size_t num_neurons, RandomStream& rng) {
  PatternSet x(num_patterns, num_neurons);
  const std::size_t tail = num_neurons % 64;
  const std::uint64_t last_mask = tail == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << tail) - 1;
  for (std::size_t mu = 0; mu < num_patterns; ++mu) {
    std::uint64_t* words = x.bits_.data() + mu * x.words_;
    for (std::size_t w = 0; w < x.words_; ++w) words[w] = rng();
    words[x.words_ - 1] &= last_mask;
  }
  return x;
}

void PatternSet::set(std::size_t mu, std::size_t i, int value) {
  const std::uint64_t bit = std::uint64_t{1} << (i % 64);
  std::uint64_t& word = bits_[mu * words_ + i / 64];
  word = value > 0 ? (word | bit) : (word & ~bit);
}

}  // namespace nnsim::hopfield
