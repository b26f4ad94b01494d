#pragma once
// Finite-size-scaling collapse of the retrieval probability. Near a transition the finite-N
// curves P_ret(alpha; N) are expected to be one function of the scaling variable
//   (alpha - alpha_c(inf)) N^(1/nu)
// (K. Binder, Z. Phys. B 43, 119 (1981); M. E. J. Newman and G. T. Barkema, "Monte Carlo Methods
// in Statistical Physics", 1999, section 8.3). Instead of choosing alpha_c(inf) and nu by eye,
// fit_scaling_collapse takes the master curve to be a probit and fits all sizes jointly by
// maximum likelihood over the binomial counts:
//   P(alpha; N) = Phi(eta),  eta = [(alpha_inf - alpha) s_N + b] / w_0,  s_N = (N / N_ref)^(1/nu),
// with N_ref a reference size (by default the geometric mean of the sizes, which decorrelates
// w_0 from nu). w_0 is the width of the transition at N = N_ref; the width at N is w_0 / s_N.
// The optional shift b (CollapseOptions::fit_shift) moves the crossing of P = 1/2 to
//   alpha_c(N) = alpha_inf + b (N / N_ref)^(-1/nu),
// the simplest correction to scaling (shift and width then scale with the same exponent). Without
// it every size crosses 1/2 at alpha_inf. The probit master curve is an assumption: the deviance
// reported with the fit measures how well it and the collapse describe the data.
// Errors: (-H)^-1 at the maximum, H the Hessian of ln L in (alpha_inf, 1/nu, ln w_0, b), by the
// delta method for nu = 1 / (1/nu) and w_0.

#include <span>
#include <string>
#include <vector>

#include "capacity/crossing.hpp"

namespace nnsim::capacity {

/// The probed loads of one system size N.
struct SizeData {
  double size = 0;
  std::vector<BinomialPoint> points;
};

struct CollapseOptions {
  bool fit_shift = false;
  double reference_size = 0;  ///< N_ref; 0 = geometric mean of the sizes
  int max_iterations = 200;
};

struct CollapseFit {
  FitStatus status = FitStatus::too_few_points;
  double alpha_inf = 0;
  double alpha_inf_stderr = 0;
  double nu = 0;
  double nu_stderr = 0;
  double width = 0;  ///< w_0, the width at N_ref
  double width_stderr = 0;
  double shift = 0;  ///< b (0 unless fit_shift)
  double shift_stderr = 0;
  double reference_size = 0;
  double log_likelihood = 0;
  /// Deviance against the saturated model, 2 sum [k ln(k / (n P)) + (n - k) ln((n - k) / (n (1 - P)))];
  /// approximately chi^2 with `degrees_of_freedom` = points - parameters when every n P and
  /// n (1 - P) is large (McCullagh and Nelder, section 4.4.3).
  double deviance = 0;
  int degrees_of_freedom = 0;
  int iterations = 0;
  std::string message;
};

/// Joint maximum-likelihood fit of the scaling form in the file comment. Starts from per-size
/// probit fits (fit_crossing): ln w(N) against ln N gives 1/nu and w_0, the crossings give
/// alpha_inf (and b); then Newton's method with Levenberg-Marquardt damping on ln L. Needs at
/// least two sizes whose own fit converged (status too_few_points otherwise). Throws
/// std::invalid_argument for a size <= 0 or a bad point (as fit_crossing).
CollapseFit fit_scaling_collapse(std::span<const SizeData> sizes, const CollapseOptions& options = {});

}  // namespace nnsim::capacity
