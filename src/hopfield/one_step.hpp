#pragma once
// One-step error probability of the Hopfield network (the book's Section 2.4): feed a stored
// pattern x^nu, compute every local field b_i = sum_j w_ij x_j^nu once, and count the bits
// where sgn(b_i) != x_i^nu (sgn(0) = +1), with Hebb's rule w_ij = (1/N) sum_mu x_i^mu x_j^mu.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hopfield/patterns.hpp"

namespace nnsim::hopfield {

/// Hebb's rule with the diagonal set to zero (2.26) or kept (2.25).
enum class Diagonal { kZero, kKeep };

/// Arithmetic of the matrix products: float where it is exact (p N < 2^24), else double.
/// Forcing one is for tests; float beyond 2^24 is refused.
enum class Precision { kAuto, kFloat, kDouble };

struct OneStepCount {
  std::uint64_t errors = 0;  ///< bits with sgn(b_i) != x_i
  std::uint64_t bits = 0;    ///< bits examined: N * patterns checked
  double error_rate() const { return bits ? static_cast<double>(errors) / static_cast<double>(bits) : 0.0; }
};

/// Counts one-step errors for patterns nu = 0 .. patterns_checked-1 (all when 0 or >= p).
/// Patterns are i.i.d., so the first K patterns are as random a subset as any.
///
/// Method: with the overlap matrix O_{mu nu} = x^mu . x^nu (popcounts on packed bits),
/// N b_i^nu = sum_mu x_i^mu O_{mu nu} - p x_i^nu for (2.26) (without the last term for (2.25)).
/// The sum is one matrix product done in blocks by a register-blocked micro-kernel
/// (hopfield/kernels, generic / AVX2 / AVX-512 chosen at run time), memory O(p * block).
/// All intermediate values are integers of magnitude <= p N, exact in float while p N < 2^24
/// and in double beyond, so the count is exact and independent of summation order.
/// Cost: p * K * N multiply-adds instead of the N^2 * K of a dense-weight implementation.
/// `cancel`, if given, is polled after every block of 512 neurons x 256 patterns (at most about
/// 512 * 256 * p multiply-adds apart); when set, the count throws nnsim::Cancelled.
OneStepCount count_one_step_errors(const PatternSet& patterns, std::size_t patterns_checked,
                                   Diagonal diagonal = Diagonal::kZero, Precision precision = Precision::kAuto,
                                   const std::atomic<bool>* cancel = nullptr);

/// The straightforward method (dense float weight matrix from one product, then b = W x^nu),
/// kept as the reference in tests and the baseline in benchmarks.
OneStepCount count_one_step_errors_dense(const PatternSet& patterns, std::size_t patterns_checked,
                                         Diagonal diagonal = Diagonal::kZero);

}  // namespace nnsim::hopfield
