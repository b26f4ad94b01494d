#pragma once
// Normal-distribution helpers shared by the capacity fits (internal, not part of the API).

#include <cmath>
#include <numbers>

namespace nnsim::capacity::detail {

/// ln Phi(x). erfc underflows below x ~ -37; there the asymptotic series of Mills' ratio,
/// 1 - Phi(t) = phi(t) / t (1 - 1/t^2 + 3/t^4 - 15/t^6 + 105/t^8 - ...), t = -x, is used there
/// (below x = -30; the first omitted term, 945/t^10, is < 2e-12 relative).
inline double log_normal_cdf(double x) {
  if (x > -30) return std::log(0.5 * std::erfc(-x / std::numbers::sqrt2));
  const double t = -x, u = 1 / (t * t);
  return -t * t / 2 - std::log(t) - 0.5 * std::log(2 * std::numbers::pi) +
         std::log1p(u * (-1 + u * (3 + u * (-15 + u * 105))));
}

/// phi(x) / Phi(x), the inverse Mills ratio, with the same series below x = -30.
inline double normal_hazard(double x) {
  if (x > -30) {
    const double density = std::exp(-x * x / 2) * (std::numbers::inv_sqrtpi / std::numbers::sqrt2);
    return density / (0.5 * std::erfc(-x / std::numbers::sqrt2));
  }
  const double t = -x, u = 1 / (t * t);
  return t / (1 + u * (-1 + u * (3 + u * (-15 + u * 105))));
}

}  // namespace nnsim::capacity::detail
