#include "core/numeric.hpp"

#include <cmath>

namespace nnsim {

double sum_of_squared_deviations(std::span<const double> values, double mean) {
  const std::size_t rounded = values.size() / 4 * 4;
  double squares = 0;
  for (std::size_t k = 0; k < rounded; ++k) {
    const double d = values[k] - mean;
    squares += d * d;
  }
  for (std::size_t k = rounded; k < values.size(); ++k) {
    const double d = values[k] - mean;
    squares = std::fma(d, d, squares);
  }
  return squares;
}

}  // namespace nnsim
