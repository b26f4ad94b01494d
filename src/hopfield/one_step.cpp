#include "hopfield/one_step.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <new>
#include <stdexcept>

#include "core/error.hpp"
#include "hopfield/kernels/dispatch.hpp"

namespace nnsim::hopfield {
namespace {

template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// Is bit i of pattern nu wrong after one update, given N b_i (exact integer in Scalar)?
template <class Scalar>
bool wrong(Scalar n_times_field, int x) {
  // sgn(0) = +1: a zero field is an error only for x = -1.
  return x > 0 ? n_times_field < 0 : n_times_field >= 0;
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
  OneStepCount count;
  count.bits = static_cast<std::uint64_t>(x.num_neurons()) * checked;
  // The kernels know nothing of std::atomic (kernels.hpp): they poll through this function.
  auto stop = [](const void* flag) { return static_cast<const std::atomic<bool>*>(flag)->load(std::memory_order_relaxed); };
  const int status = kernels::active_kernels().count_one_step_errors(
      x.pattern(0), x.words_per_pattern(), x.num_neurons(), x.num_patterns(), checked, diagonal == Diagonal::kZero,
      !use_float, &count.errors, cancel ? +stop : nullptr, cancel);
  if (status == kernels::kCountNoMemory) throw std::bad_alloc();
  if (status == kernels::kCountStopped) throw Cancelled();
  return count;
}

OneStepCount count_one_step_errors_dense(const PatternSet& x, std::size_t patterns_checked, Diagonal diagonal) {
  const std::size_t checked = clamp_checked(x, patterns_checked);
  return float_is_exact(x) ? count_dense<float>(x, checked, diagonal) : count_dense<double>(x, checked, diagonal);
}

}  // namespace nnsim::hopfield
