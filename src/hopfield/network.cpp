#include "hopfield/network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "hopfield/kernels/dispatch.hpp"

namespace nnsim::hopfield {
namespace {

/// Transposes a 64 x 64 bit matrix in place: bit c of a[r] moves to bit r of a[c]
/// (the recursive block swap of Hacker's Delight, section 7-3, in LSB-first order).
void transpose64(std::uint64_t a[64]) {
  std::uint64_t m = 0x00000000FFFFFFFFULL;
  for (unsigned j = 32; j != 0; j >>= 1, m ^= (m << j)) {
    for (unsigned k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      const std::uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
      a[k] ^= t << j;
      a[k | j] ^= t;
    }
  }
}

}  // namespace

const char* to_string(WeightStorage storage) {
  return storage == WeightStorage::kMatrix ? "matrix" : "patterns";
}

std::uint64_t network_memory_bytes(std::uint64_t n, std::uint64_t p, WeightStorage storage) {
  // packed patterns, rows, row sums, state, overlaps
  const std::uint64_t common = p * ((n + 63) / 64) * 8 + n * ((p + 63) / 64) * 8 + n * 4 + n + ((p + 63) / 64) * 256;
  if (storage == WeightStorage::kMatrix) return common + n * n * 2 + n * 4;
  return common;
}

HopfieldNetwork::HopfieldNetwork(const PatternSet& patterns, Diagonal diagonal, WeightStorage storage)
    : patterns_(patterns),
      n_(patterns.num_neurons()),
      p_(patterns.num_patterns()),
      diagonal_(diagonal),
      storage_(storage),
      row_words_((p_ + 63) / 64),
      rows_(n_ * row_words_, 0),
      row_sums_(n_, 0),
      state_(n_, 1),
      overlaps_(row_words_ * 64, 0),
      kernels_(&kernels::active_kernels()) {
  if (static_cast<double>(n_) * static_cast<double>(p_ + 1) >= 2147483647.0) {
    throw std::invalid_argument("HopfieldNetwork: N (p + 1) must stay below 2^31 for 32-bit fields");
  }
  // Rows of neuron i across patterns, packed: the transpose of the pattern bits, done in
  // 64 x 64 bit blocks.
  std::uint64_t block[64];
  for (std::size_t word = 0; word < patterns.words_per_pattern(); ++word) {
    for (std::size_t row_word = 0; row_word < row_words_; ++row_word) {
      for (std::size_t k = 0; k < 64; ++k) {
        const std::size_t mu = 64 * row_word + k;
        block[k] = mu < p_ ? patterns.pattern(mu)[word] : 0;
      }
      transpose64(block);
      for (std::size_t c = 0; c < 64 && 64 * word + c < n_; ++c) rows_[(64 * word + c) * row_words_ + row_word] = block[c];
    }
  }
  for (std::size_t i = 0; i < n_; ++i) {
    std::int32_t ones = 0;
    for (std::size_t w = 0; w < row_words_; ++w) ones += std::popcount(rows_[i * row_words_ + w]);
    row_sums_[i] = 2 * ones - static_cast<std::int32_t>(p_);
  }
  if (storage_ == WeightStorage::kMatrix) {
    if (p_ > 32767) throw std::invalid_argument("HopfieldNetwork: the int16 weight matrix needs p <= 32767");
    // W'_ij = p - 2 popcount(r_i xor r_j)
    weights_.assign(n_ * n_, 0);
    const auto p = static_cast<std::int32_t>(p_);
    for (std::size_t i = 0; i < n_; ++i) {
      const std::uint64_t* ri = rows_.data() + i * row_words_;
      std::int16_t* out = weights_.data() + i * n_;
      for (std::size_t j = 0; j < n_; ++j) {  // whole rows: contiguous writes beat halving the popcounts
        const std::uint64_t* rj = rows_.data() + j * row_words_;
        std::int32_t differing = 0;
        for (std::size_t w = 0; w < row_words_; ++w) differing += std::popcount(ri[w] ^ rj[w]);
        out[j] = static_cast<std::int16_t>(p - 2 * differing);
      }
      out[i] = diagonal_ == Diagonal::kKeep ? static_cast<std::int16_t>(p) : std::int16_t{0};
    }
    fields_.assign(n_, 0);
  }
  recompute_overlaps();
  recompute_fields();
}

void HopfieldNetwork::set_state(std::span<const std::int8_t> state) {
  if (state.size() != n_) throw std::invalid_argument("HopfieldNetwork::set_state: wrong size");
  for (std::size_t i = 0; i < n_; ++i) state_[i] = state[i] >= 0 ? 1 : -1;
  recompute_overlaps();
  recompute_fields();
}

void HopfieldNetwork::set_state_from_pattern(std::size_t mu, double flip_fraction, RandomStream& rng) {
  for (std::size_t i = 0; i < n_; ++i) state_[i] = static_cast<std::int8_t>(patterns_.value(mu, i));
  const auto flips = static_cast<std::size_t>(std::llround(std::clamp(flip_fraction, 0.0, 1.0) * static_cast<double>(n_)));
  if (flips > 0) {
    std::vector<std::uint32_t> order(n_);
    std::iota(order.begin(), order.end(), 0U);
    for (std::size_t k = 0; k < flips; ++k) {
      const std::size_t pick = k + rng.below(n_ - k);
      std::swap(order[k], order[pick]);
      state_[order[k]] = static_cast<std::int8_t>(-state_[order[k]]);
    }
  }
  recompute_overlaps();
  recompute_fields();
}

void HopfieldNetwork::recompute_overlaps() {
  // M_mu = N - 2 (number of bits where x^mu and s differ), on packed bits.
  const std::size_t words = patterns_.words_per_pattern();
  std::vector<std::uint64_t> packed(words, 0);
  for (std::size_t i = 0; i < n_; ++i) {
    if (state_[i] > 0) packed[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  for (std::size_t mu = 0; mu < p_; ++mu) {
    const std::uint64_t* x = patterns_.pattern(mu);
    std::int64_t differing = 0;
    for (std::size_t w = 0; w < words; ++w) differing += std::popcount(x[w] ^ packed[w]);
    overlaps_[mu] = static_cast<std::int32_t>(static_cast<std::int64_t>(n_) - 2 * differing);
  }
  overlap_total_ = 0;
  for (std::size_t mu = 0; mu < p_; ++mu) overlap_total_ += overlaps_[mu];
}

void HopfieldNetwork::recompute_fields() {
  if (storage_ != WeightStorage::kMatrix) return;
  for (std::size_t i = 0; i < n_; ++i) {
    const std::int16_t* row = weights_.data() + i * n_;
    fields_[i] = kernels_->row_dot_state(row, state_.data(), n_);
  }
}

std::int64_t HopfieldNetwork::field(std::size_t i) const {
  if (storage_ == WeightStorage::kMatrix) return fields_[i];
  // sum_mu x_i^mu M_mu = 2 sum_{x_i^mu = +1} M_mu - sum_mu M_mu; it includes the j = i term
  // p s_i, which (2.26) removes.
  std::int64_t h = 2 * kernels_->masked_sum(rows_.data() + i * row_words_, overlaps_.data(), row_words_) - overlap_total_;
  if (diagonal_ == Diagonal::kZero) h -= static_cast<std::int64_t>(p_) * state_[i];
  return h;
}

void HopfieldNetwork::flip(std::size_t i) {
  const std::int8_t now = static_cast<std::int8_t>(-state_[i]);
  state_[i] = now;
  const std::int32_t twice = 2 * now;
  // M_mu += 2 s_i x_i^mu
  kernels_->masked_update(rows_.data() + i * row_words_, overlaps_.data(), row_words_, p_, twice);
  overlap_total_ += static_cast<std::int64_t>(twice) * row_sums_[i];
  if (storage_ == WeightStorage::kMatrix) {
    // W' is symmetric: row i = column i
    kernels_->add_scaled_row(fields_.data(), weights_.data() + i * n_, n_, twice);
  }
}

std::size_t HopfieldNetwork::update_synchronous() {
  std::vector<std::size_t> to_flip;
  for (std::size_t i = 0; i < n_; ++i) {
    if ((field(i) >= 0 ? 1 : -1) != state_[i]) to_flip.push_back(i);
  }
  // All decisions were taken with the old state; now apply them.
  if (storage_ == WeightStorage::kMatrix && to_flip.size() * 4 > n_) {
    for (const auto i : to_flip) state_[i] = static_cast<std::int8_t>(-state_[i]);
    recompute_overlaps();
    recompute_fields();
  } else {
    for (const auto i : to_flip) flip(i);
  }
  return to_flip.size();
}

double HopfieldNetwork::energy() const {
  // sum_i s_i h_i with the full (2.25) field equals sum_mu M_mu^2; (2.26) removes p N.
  std::int64_t squares = 0;
  for (const auto m : overlaps_) squares += static_cast<std::int64_t>(m) * m;
  if (diagonal_ == Diagonal::kZero) squares -= static_cast<std::int64_t>(p_) * static_cast<std::int64_t>(n_);
  return -0.5 * static_cast<double>(squares) / static_cast<double>(n_);
}

bool HopfieldNetwork::is_fixed_point() const {
  for (std::size_t i = 0; i < n_; ++i) {
    if ((field(i) >= 0 ? 1 : -1) != state_[i]) return false;
  }
  return true;
}

std::uint64_t HopfieldNetwork::memory_bytes() const {
  return patterns_.words_per_pattern() * p_ * 8 + rows_.size() * 8 + row_sums_.size() * 4 + weights_.size() * 2 +
         state_.size() + overlaps_.size() * 4 + fields_.size() * 4;
}

}  // namespace nnsim::hopfield
