#pragma once
// Floating-point reductions whose rounding is fixed by the code, not by the compiler flags.

#include <span>

namespace nnsim {

/// sum_k (x_k - mean)^2, rounded exactly as the -march=native builds before issue 6 did (their
/// vectoriser rounded the squares of the first 4 floor(n/4) terms and fused the last n mod 4
/// into FMAs), so standard errors stay bitwise identical to earlier outputs on every CPU and
/// build (std::fma is exact also without hardware FMA; the library builds with
/// -ffp-contract=off).
double sum_of_squared_deviations(std::span<const double> values, double mean);

}  // namespace nnsim
