#include "hopfield/one_step.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <stdexcept>

#include "core/error.hpp"

namespace nnsim::hopfield {
namespace {

constexpr std::size_t kPatternBlock = 256;  // columns nu per GEMM
constexpr std::size_t kNeuronBlock = 512;   // rows i per GEMM

template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// Is bit i of pattern nu wrong after one update, given N b_i (exact integer in Scalar)?
template <class Scalar>
bool wrong(Scalar n_times_field, int x) {
  // sgn(0) = +1: a zero field is an error only for x = -1.
  return x > 0 ? n_times_field < 0 : n_times_field >= 0;
}

/// Writes x_i^mu (as +-1) for i = i0 .. i0+count-1 to `out`; i0 is a multiple of 64.
template <class Scalar>
void unpack_spins(const PatternSet& x, std::size_t mu, std::size_t i0, std::size_t count, Scalar* out) {
  const std::uint64_t* words = x.pattern(mu) + i0 / 64;
  for (std::size_t i = 0; i < count; i += 64) {
    const std::uint64_t word = words[i / 64];
    const std::size_t bits = std::min<std::size_t>(64, count - i);
    for (std::size_t b = 0; b < bits; ++b) {
      out[i + b] = static_cast<Scalar>(2 * static_cast<int>((word >> b) & 1U) - 1);
    }
  }
}

template <class Scalar>
OneStepCount count_blocked(const PatternSet& x, std::size_t checked, Diagonal diagonal,
                           const std::atomic<bool>* cancel) {
  static_assert(kNeuronBlock % 64 == 0, "neuron blocks must start on word boundaries");
  const std::size_t n = x.num_neurons();
  const std::size_t p = x.num_patterns();
  const auto diag_term = static_cast<Scalar>(diagonal == Diagonal::kZero ? p : 0);
  OneStepCount count;
  count.bits = static_cast<std::uint64_t>(n) * checked;
  Matrix<Scalar> overlaps(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(kPatternBlock));
  Matrix<Scalar> spins(static_cast<Eigen::Index>(kNeuronBlock), static_cast<Eigen::Index>(p));
  Matrix<Scalar> fields;
  for (std::size_t nu0 = 0; nu0 < checked; nu0 += kPatternBlock) {
    const std::size_t nb = std::min(kPatternBlock, checked - nu0);
    for (std::size_t c = 0; c < nb; ++c) {
      for (std::size_t mu = 0; mu < p; ++mu) {
        overlaps(static_cast<Eigen::Index>(mu), static_cast<Eigen::Index>(c)) =
            static_cast<Scalar>(x.overlap(mu, nu0 + c));
      }
    }
    const auto o = overlaps.leftCols(static_cast<Eigen::Index>(nb));
    for (std::size_t i0 = 0; i0 < n; i0 += kNeuronBlock) {
      const std::size_t ib = std::min(kNeuronBlock, n - i0);
      if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
      for (std::size_t mu = 0; mu < p; ++mu) unpack_spins(x, mu, i0, ib, spins.data() + mu * kNeuronBlock);
      fields.noalias() = spins.topRows(static_cast<Eigen::Index>(ib)) * o;
      // Branch-free count (the pattern bits are random, so a branch would mispredict half the
      // time): bit i is wrong when sgn(N b_i) != x_i with sgn(0) = +1.
      std::uint64_t errors = 0;
      for (std::size_t c = 0; c < nb; ++c) {
        const Scalar* field = fields.data() + c * static_cast<std::size_t>(fields.rows());
        const Scalar* xs = spins.data() + (nu0 + c) * kNeuronBlock;
        unsigned column_errors = 0;
        for (std::size_t i = 0; i < ib; ++i) {
          const Scalar n_field = field[i] - diag_term * xs[i];
          column_errors += static_cast<unsigned>((n_field >= 0) != (xs[i] > 0));
        }
        errors += column_errors;
      }
      count.errors += errors;
    }
  }
  return count;
}

template <class Scalar>
OneStepCount count_dense(const PatternSet& x, std::size_t checked, Diagonal diagonal) {
  const auto n = static_cast<Eigen::Index>(x.num_neurons());
  const auto p = static_cast<Eigen::Index>(x.num_patterns());
  Matrix<Scalar> spins(n, p);
  for (Eigen::Index mu = 0; mu < p; ++mu) {
    for (Eigen::Index i = 0; i < n; ++i) {
      spins(i, mu) = static_cast<Scalar>(x.value(static_cast<std::size_t>(mu), static_cast<std::size_t>(i)));
    }
  }
  // N w_ij as integers in floating point: exact, so the reference decides ties exactly.
  Matrix<Scalar> weights = spins * spins.transpose();
  if (diagonal == Diagonal::kZero) weights.diagonal().setZero();
  const auto k = static_cast<Eigen::Index>(checked);
  Matrix<Scalar> fields = weights * spins.leftCols(k);
  OneStepCount count;
  count.bits = static_cast<std::uint64_t>(n) * checked;
  for (Eigen::Index nu = 0; nu < k; ++nu) {
    for (Eigen::Index i = 0; i < n; ++i) {
      count.errors += wrong(fields(i, nu), spins(i, nu) > 0 ? 1 : -1);
    }
  }
  return count;
}

std::size_t clamp_checked(const PatternSet& x, std::size_t checked) {
  return checked == 0 ? x.num_patterns() : std::min(checked, x.num_patterns());
}

/// Integers up to p * N are exact in float below 2^24.
bool float_is_exact(const PatternSet& x) {
  return static_cast<double>(x.num_patterns()) * static_cast<double>(x.num_neurons()) < 16777216.0;
}

}  // namespace

OneStepCount count_one_step_errors(const PatternSet& x, std::size_t patterns_checked, Diagonal diagonal,
                                   Precision precision, const std::atomic<bool>* cancel) {
  const std::size_t checked = clamp_checked(x, patterns_checked);
  if (precision == Precision::kFloat && !float_is_exact(x)) {
    throw std::invalid_argument("count_one_step_errors: float is not exact for p N >= 2^24");
  }
  const bool use_float = precision == Precision::kFloat || (precision == Precision::kAuto && float_is_exact(x));
  return use_float ? count_blocked<float>(x, checked, diagonal, cancel)
                   : count_blocked<double>(x, checked, diagonal, cancel);
}

OneStepCount count_one_step_errors_dense(const PatternSet& x, std::size_t patterns_checked, Diagonal diagonal) {
  const std::size_t checked = clamp_checked(x, patterns_checked);
  return float_is_exact(x) ? count_dense<float>(x, checked, diagonal) : count_dense<double>(x, checked, diagonal);
}

}  // namespace nnsim::hopfield
