#pragma once
// A Hopfield network storing random patterns with Hebb's rule, built for large N.
//
// All arithmetic is in integers: with W'_ij = sum_mu x_i^mu x_j^mu (= N w_ij, the book's (2.25)
// without the 1/N; w_ii = 0 for (2.26)) the local field is b_i = h_i / N with the integer
// h_i = sum_j W'_ij s_j. Signs and energies are therefore exact and do not depend on
// summation order, threads or vector width.
//
// Two ways to store the weights (WeightStorage):
//  - kPatterns: weights are never formed. The network keeps the pattern overlaps
//    M_mu = sum_j x_j^mu s_j (p integers) up to date on every flip (cost p) and computes a
//    field on demand as h_i = sum_mu x_i^mu M_mu - [p s_i for (2.26)] (cost p), written as
//    2 sum_{mu: x_i^mu = +1} M_mu - sum_mu M_mu: a masked sum over the bits of neuron i's row
//    (AVX-512 masked adds or AVX2 where the CPU has them, chosen at run time: hopfield/kernels).
//    Memory: the patterns twice as bits, N p / 4 bytes. Fastest when few sweeps are needed.
//  - kMatrix: the integer matrix W' (int16, N^2 x 2 bytes) built once by popcounts, and all N
//    fields kept up to date on every flip (cost N); an update that does not flip costs O(1).
//    Pays off for long stochastic runs, if N^2 x 2 bytes fit the memory budget.

#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "hopfield/one_step.hpp"
#include "hopfield/patterns.hpp"

namespace nnsim::hopfield {

namespace kernels {
struct KernelTable;
}

enum class WeightStorage { kPatterns, kMatrix };

const char* to_string(WeightStorage storage);

/// Bytes a network of N neurons and p patterns needs with the given storage.
std::uint64_t network_memory_bytes(std::uint64_t num_neurons, std::uint64_t num_patterns, WeightStorage storage);

class HopfieldNetwork {
 public:
  HopfieldNetwork(const PatternSet& patterns, Diagonal diagonal, WeightStorage storage);

  std::size_t size() const { return n_; }
  std::size_t num_patterns() const { return p_; }
  WeightStorage storage() const { return storage_; }
  Diagonal diagonal() const { return diagonal_; }
  const PatternSet& patterns() const { return patterns_; }

  /// Sets the state to pattern mu with exactly round(flip_fraction N) distinct bits flipped
  /// (chosen uniformly by a partial Fisher-Yates shuffle drawing from `rng`).
  void set_state_from_pattern(std::size_t mu, double flip_fraction, RandomStream& rng);
  /// Sets the state to an arbitrary ±1 vector.
  void set_state(std::span<const std::int8_t> state);
  std::span<const std::int8_t> state() const { return state_; }
  int spin(std::size_t i) const { return state_[i]; }

  /// N b_i, the integer local field of neuron i (threshold 0).
  std::int64_t field(std::size_t i) const;
  /// Flips neuron i and updates what the storage keeps current.
  void flip(std::size_t i);
  /// Deterministic asynchronous update of neuron i, s_i = sgn(b_i) with sgn(0) = +1 (2.4).
  /// Returns whether it flipped.
  bool update_deterministic(std::size_t i) {
    const int target = field(i) >= 0 ? 1 : -1;
    if (target == state_[i]) return false;
    flip(i);
    return true;
  }
  /// Synchronous update of all neurons at once (2.4 applied to every i with the old state).
  /// Returns the number of flips.
  std::size_t update_synchronous();

  /// sum_i x_i^mu s_i; the overlap m_mu (3.2) is this over N.
  std::int64_t overlap_sum(std::size_t mu) const { return overlaps_[mu]; }
  double overlap(std::size_t mu) const { return static_cast<double>(overlaps_[mu]) / static_cast<double>(n_); }
  /// Energy H = -1/2 sum_ij w_ij s_i s_j (2.45), with w = W'/N.
  double energy() const;
  /// True if no neuron would change under a deterministic update.
  bool is_fixed_point() const;
  /// Bytes held by this network (patterns, state, fields, weights).
  std::uint64_t memory_bytes() const;

 private:
  void recompute_overlaps();
  void recompute_fields();

  const PatternSet& patterns_;
  std::size_t n_;
  std::size_t p_;
  Diagonal diagonal_;
  WeightStorage storage_;
  std::size_t row_words_;                  // 64-bit words per row, ceil(p / 64)
  std::vector<std::uint64_t> rows_;        // bit mu of row i = [x_i^mu = +1]
  std::vector<std::int32_t> row_sums_;     // sum_mu x_i^mu
  std::vector<std::int16_t> weights_;      // W'_ij at [i * n + j] (kMatrix)
  std::vector<std::int8_t> state_;
  std::vector<std::int32_t> overlaps_;     // M_mu, padded with zeros to row_words_ * 64
  std::int64_t overlap_total_ = 0;         // sum_mu M_mu
  std::vector<std::int32_t> fields_;       // h_i (kMatrix)
  const kernels::KernelTable* kernels_;    // the instruction set's kernels, chosen at construction
};

}  // namespace nnsim::hopfield
