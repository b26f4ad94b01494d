#include "hopfield/network.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nnsim::hopfield {

const char* to_string(WeightStorage storage) {
  return storage == WeightStorage::kMatrix ? "matrix" : "patterns";
}

std::uint64_t network_memory_bytes(std::uint64_t n, std::uint64_t p, WeightStorage storage) {
  const std::uint64_t common = p * ((n + 63) / 64) * 8 + n + p * 4;  // packed patterns, state, overlaps
  if (storage == WeightStorage::kMatrix) return common + n * n * 2 + n * 4 + n * ((p + 63) / 64) * 8;
  return common + n * p;
}

HopfieldNetwork::HopfieldNetwork(const PatternSet& patterns, Diagonal diagonal, WeightStorage storage)
    : patterns_(patterns),
      n_(patterns.num_neurons()),
      p_(patterns.num_patterns()),
      diagonal_(diagonal),
      storage_(storage),
      state_(n_, 1),
      overlaps_(p_, 0) {
  if (static_cast<double>(n_) * static_cast<double>(p_ + 1) >= 2147483647.0) {
    throw std::invalid_argument("HopfieldNetwork: N (p + 1) must stay below 2^31 for 32-bit fields");
  }
  if (storage_ == WeightStorage::kMatrix) {
    if (p_ > 32767) throw std::invalid_argument("HopfieldNetwork: the int16 weight matrix needs p <= 32767");
    // Rows of neuron i across patterns, packed, so that W'_ij = p - 2 popcount(r_i xor r_j).
    const std::size_t words = (p_ + 63) / 64;
    std::vector<std::uint64_t> rows(n_ * words, 0);
    for (std::size_t mu = 0; mu < p_; ++mu) {
      for (std::size_t i = 0; i < n_; ++i) {
        if (patterns.value(mu, i) > 0) rows[i * words + mu / 64] |= std::uint64_t{1} << (mu % 64);
      }
    }
    weights_.assign(n_ * n_, 0);
    const auto p = static_cast<std::int32_t>(p_);
    for (std::size_t i = 0; i < n_; ++i) {
      const std::uint64_t* ri = rows.data() + i * words;
      for (std::size_t j = 0; j < i; ++j) {
        const std::uint64_t* rj = rows.data() + j * words;
        std::int32_t differing = 0;
        for (std::size_t w = 0; w < words; ++w) differing += std::popcount(ri[w] ^ rj[w]);
        const auto value = static_cast<std::int16_t>(p - 2 * differing);
        weights_[i * n_ + j] = value;
        weights_[j * n_ + i] = value;
      }
      weights_[i * n_ + i] = diagonal_ == Diagonal::kKeep ? static_cast<std::int16_t>(p) : std::int16_t{0};
    }
    fields_.assign(n_, 0);
  } else {
    by_neuron_.resize(n_ * p_);
    for (std::size_t mu = 0; mu < p_; ++mu) {
      for (std::size_t i = 0; i < n_; ++i) by_neuron_[i * p_ + mu] = static_cast<std::int8_t>(patterns.value(mu, i));
    }
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
  for (std::size_t mu = 0; mu < p_; ++mu) {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < n_; ++i) sum += patterns_.value(mu, i) * state_[i];
    overlaps_[mu] = static_cast<std::int32_t>(sum);
  }
}

void HopfieldNetwork::recompute_fields() {
  if (storage_ != WeightStorage::kMatrix) return;
  for (std::size_t i = 0; i < n_; ++i) {
    const std::int16_t* row = weights_.data() + i * n_;
    std::int32_t sum = 0;
    for (std::size_t j = 0; j < n_; ++j) sum += row[j] * state_[j];
    fields_[i] = sum;
  }
}

std::int64_t HopfieldNetwork::field(std::size_t i) const {
  if (storage_ == WeightStorage::kMatrix) return fields_[i];
  const std::int8_t* x = by_neuron_.data() + i * p_;
  const std::int32_t* m = overlaps_.data();
  std::int32_t sum = 0;
  for (std::size_t mu = 0; mu < p_; ++mu) sum += x[mu] * m[mu];
  // sum_mu x_i^mu M_mu includes the j = i term p s_i, which (2.26) removes.
  if (diagonal_ == Diagonal::kZero) sum -= static_cast<std::int32_t>(p_) * state_[i];
  return sum;
}

void HopfieldNetwork::flip(std::size_t i) {
  const std::int8_t now = static_cast<std::int8_t>(-state_[i]);
  state_[i] = now;
  const std::int32_t twice = 2 * now;
  if (storage_ == WeightStorage::kMatrix) {
    const std::int16_t* row = weights_.data() + i * n_;  // W' is symmetric: row i = column i
    std::int32_t* h = fields_.data();
    for (std::size_t j = 0; j < n_; ++j) h[j] += twice * row[j];
    for (std::size_t mu = 0; mu < p_; ++mu) overlaps_[mu] += twice * patterns_.value(mu, i);
  } else {
    const std::int8_t* x = by_neuron_.data() + i * p_;
    std::int32_t* m = overlaps_.data();
    for (std::size_t mu = 0; mu < p_; ++mu) m[mu] += twice * x[mu];
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
  return patterns_.words_per_pattern() * p_ * 8 + by_neuron_.size() + weights_.size() * 2 + state_.size() +
         overlaps_.size() * 4 + fields_.size() * 4;
}

}  // namespace nnsim::hopfield
