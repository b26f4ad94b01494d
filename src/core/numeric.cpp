#include "core/numeric.hpp"

namespace nnsim {

double sum_of_squared_deviations(std::span<const double> values, double mean) {
  double squares = 0;
  for (const double x : values) {
    const double d = x - mean;
    squares += d * d;  // rounded twice: the library builds with -ffp-contract=off
  }
  return squares;
}

}  // namespace nnsim
