#pragma once
// Synthetic retrieval data for the capacity tests: binomial counts drawn from a known curve with
// the suite's counter-based streams, so every test is reproducible.

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "capacity/crossing.hpp"
#include "core/rng.hpp"

namespace nnsim::capacity::testing {

inline double probit_curve(double alpha, double alpha_c, double width) {
  return 0.5 * std::erfc((alpha - alpha_c) / (width * std::numbers::sqrt2));
}

/// k ~ Binomial(n, p) as n Bernoulli draws from stream (seed, key, sample, stream).
inline std::int64_t draw_binomial(double p, std::int64_t n, std::uint64_t seed, std::uint64_t key, std::uint64_t sample,
                                  std::uint64_t stream) {
  RandomStream random(seed, key, sample, stream);
  std::int64_t k = 0;
  for (std::int64_t i = 0; i < n; ++i) k += random.uniform() < p ? 1 : 0;
  return k;
}

/// Standard normal draw (Box-Muller) from stream (seed, key, sample, stream).
inline double draw_normal(std::uint64_t seed, std::uint64_t key, std::uint64_t sample, std::uint64_t stream) {
  RandomStream random(seed, key, sample, stream);
  const double u1 = 1 - random.uniform(), u2 = random.uniform();
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

}  // namespace nnsim::capacity::testing
