#pragma once
// Theory for the one-step error probability.

#include <cstdint>

#include "hopfield/one_step.hpp"

namespace nnsim::hopfield {

/// The book's (2.39): P_error(t=1) = (1/2) [1 - erf(sqrt(1/(2 alpha)))], alpha = p/N, the
/// large-N limit where the cross-talk term is Gaussian with variance alpha.
double one_step_error_book(double alpha);

/// Exact one-step error probability of one bit for finite N and p (random patterns (2.29)).
///
/// Derivation: feed pattern nu; with (2.26), x_i^nu N b_i = (N - 1) + C with
///   C = sum_{j != i} sum_{mu != nu} x_i^nu x_i^mu x_j^mu x_j^nu.
/// For fixed i and nu the (N-1)(p-1) products are independent and uniform on {-1, +1}
/// (each x_j^mu with j != i, mu != nu appears in exactly one of them), so C = 2K - M with
/// K ~ Binomial(M, 1/2), M = (N-1)(p-1). With the diagonal kept (2.25) the j = i terms add
/// p - 1 to the signal. A bit is wrong when x_i N b_i < 0, and when it is 0 for x_i = -1
/// (sgn(0) = +1), so with T = N - 1 (or N + p - 1):
///   P = P(C < -T) + (1/2) P(C = -T).
/// The binomial probabilities use Loader's saddle-point expansion (C. Loader, "Fast and
/// accurate computation of binomial probabilities", 2000), accurate to about 1e-15 relative.
double one_step_error_exact(std::uint64_t num_neurons, std::uint64_t num_patterns,
                            Diagonal diagonal = Diagonal::kZero);

/// P(K = k) for K ~ Binomial(n, 1/2), Loader's method (exposed for tests).
double binomial_half_pmf(std::uint64_t n, std::uint64_t k);
/// P(K <= k) for K ~ Binomial(n, 1/2) (exposed for tests).
double binomial_half_cdf(std::uint64_t n, std::int64_t k);

}  // namespace nnsim::hopfield
