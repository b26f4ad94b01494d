#include "ensemble/accumulator.hpp"

#include <cmath>

#include "core/numeric.hpp"

namespace nnsim {

Summary summarize(std::span<const double> samples) {
  Summary s;
  s.count = samples.size();
  if (samples.empty()) {
    s.mean = std::nan("");
    s.stderr_of_mean = std::nan("");
    return s;
  }
  double sum = 0;
  for (const double x : samples) sum += x;
  const double n = static_cast<double>(samples.size());
  s.mean = sum / n;
  if (samples.size() < 2) {
    s.stderr_of_mean = std::nan("");  // one sample says nothing about the spread
    return s;
  }
  const double squares = sum_of_squared_deviations(samples, s.mean);
  s.stderr_of_mean = std::sqrt(squares / (n - 1) / n);
  return s;
}

}  // namespace nnsim
