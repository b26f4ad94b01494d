#pragma once
// Floating-point reductions whose rounding is fixed by the code, not by the compiler flags.

#include <span>

namespace nnsim {

/// sum_k (x_k - mean)^2 in index order, each square and each sum rounded on its own: the
/// library builds with -ffp-contract=off, so no compiler flag or CPU fuses them into FMAs and
/// standard errors are bitwise the same for every build and kernel path. (Builds before issue 6,
/// with -march=native, let the vectoriser fuse some of them: their stderr may differ in the
/// last bit; their samples differ anyway, since streams are now keyed by point values.)
double sum_of_squared_deviations(std::span<const double> values, double mean);

}  // namespace nnsim
