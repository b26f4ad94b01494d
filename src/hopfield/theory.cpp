#include "hopfield/theory.hpp"

#include <cmath>

namespace nnsim::hopfield {
namespace {

using Real = long double;
constexpr Real kLnSqrt2Pi = 0.918938533204672741780329736406L;
constexpr Real kLn2Pi = 1.837877066409345483560659472811L;

/// stirlerr(n) = ln(n!) - ln(sqrt(2 pi n) (n/e)^n), Loader (2000).
Real stirling_error(Real n) {
  constexpr Real s0 = 1.0L / 12, s1 = 1.0L / 360, s2 = 1.0L / 1260, s3 = 1.0L / 1680, s4 = 1.0L / 1188;
  if (n <= 15) return std::lgamma(n + 1) - (n + 0.5L) * std::log(n) + n - kLnSqrt2Pi;
  const Real nn = n * n;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/// Deviance term bd0(x, m) = x ln(x/m) + m - x, computed without cancellation near x = m.
Real deviance(Real x, Real m) {
  if (std::fabs(x - m) < 0.1L * (x + m)) {
    Real v = (x - m) / (x + m);
    Real s = (x - m) * v;
    Real ej = 2 * x * v;
    v = v * v;
    for (int j = 1; j < 1000; ++j) {
      ej *= v;
      const Real s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
  }
  return x * std::log(x / m) + m - x;
}

Real pmf_half(std::uint64_t n_int, std::uint64_t k_int) {
  if (k_int > n_int) return 0;
  const Real n = static_cast<Real>(n_int);
  const Real k = static_cast<Real>(k_int);
  if (k_int == 0 || k_int == n_int) return std::exp(-n * std::log(2.0L));
  const Real lc = stirling_error(n) - stirling_error(k) - stirling_error(n - k) - deviance(k, n / 2) -
                  deviance(n - k, n / 2);
  const Real lf = kLn2Pi + std::log(k) + std::log1p(-k / n);
  return std::exp(lc - 0.5L * lf);
}

/// P(K <= k) for k < n/2: sum downwards, terms shrink geometrically.
Real lower_tail(std::uint64_t n, std::uint64_t k) {
  Real term = pmf_half(n, k);
  Real sum = 0;
  for (std::uint64_t j = k;; --j) {
    sum += term;
    if (j == 0 || term < sum * 1e-22L) break;
    term *= static_cast<Real>(j) / static_cast<Real>(n - j + 1);  // pmf(j-1) / pmf(j)
  }
  return sum;
}

}  // namespace

double binomial_half_pmf(std::uint64_t n, std::uint64_t k) { return static_cast<double>(pmf_half(n, k)); }

double binomial_half_cdf(std::uint64_t n, std::int64_t k) {
  if (k < 0) return 0.0;
  const auto ku = static_cast<std::uint64_t>(k);
  if (ku >= n) return 1.0;
  if (2 * ku < n) return static_cast<double>(lower_tail(n, ku));
  // P(K <= k) = 1 - P(K >= k+1) = 1 - P(K <= n-k-1) by symmetry of Binomial(n, 1/2).
  return static_cast<double>(1.0L - lower_tail(n, n - ku - 1));
}

double one_step_error_book(double alpha) { return 0.5 * std::erfc(std::sqrt(1.0 / (2.0 * alpha))); }

double one_step_error_exact(std::uint64_t num_neurons, std::uint64_t num_patterns, Diagonal diagonal) {
  if (num_neurons < 2 || num_patterns < 1) return 0.0;
  const std::uint64_t m = (num_neurons - 1) * (num_patterns - 1);
  const auto threshold = static_cast<std::int64_t>(
      diagonal == Diagonal::kZero ? num_neurons - 1 : num_neurons + num_patterns - 1);
  // C = 2K - M < -T  <=>  K < (M - T)/2 ;  C = -T  <=>  2K = M - T.
  const std::int64_t t = static_cast<std::int64_t>(m) - threshold;
  if (t < 0) return 0.0;
  const std::int64_t k_max = (t % 2 == 0) ? t / 2 - 1 : (t - 1) / 2;
  double p = binomial_half_cdf(m, k_max);
  if (t % 2 == 0) p += 0.5 * binomial_half_pmf(m, static_cast<std::uint64_t>(t / 2));
  return p;
}

}  // namespace nnsim::hopfield
