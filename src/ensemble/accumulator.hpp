#pragma once
// Per-point statistics of independent samples, computed once, in sample order (so the numbers
// do not depend on which rank or thread produced which sample).

#include <cstdint>
#include <span>

namespace nnsim {

struct Summary {
  double mean = 0;
  double stderr_of_mean = 0;  ///< sample standard deviation / sqrt(count); NaN if count < 2 (undefined)
  std::uint64_t count = 0;
};

/// Mean and standard error of independent samples (two-pass, so large means lose no digits).
Summary summarize(std::span<const double> samples);

}  // namespace nnsim
