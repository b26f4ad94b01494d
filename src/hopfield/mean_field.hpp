#pragma once
// Mean-field theory of the Hopfield network's steady state (the book's Sections 3.3-3.5):
// Hebb's rule with w_ii = 0 (2.26), random patterns (2.29), the network started at pattern 1,
// N -> infinity at fixed load alpha = p/N, replica-symmetric solution. The order parameter
// m_1 (3.2) is determined together with q (3.33) and the variance sigma^2 of the cross-talk
// field (3.38); at zero noise the equations reduce to one equation in y (3.39)-(3.41).
//
// Every solver works in long double internally; the results are returned as double.

#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace nnsim::hopfield {

// ------------------------------------------------------------------------------------------
// Zero noise (beta -> infinity)

/// Retrieval state at zero noise.
struct ZeroNoiseState {
  double y = 0;        ///< signal-to-noise ratio y = m_1 / (sqrt(2) sigma), root of (3.40)
  double overlap = 0;  ///< m_1 = erf(y) (3.41)
  double error = 0;    ///< steady-state error probability (1 - m_1)/2 (3.18)
};

/// The book's (3.39)-(3.41): the largest root y > 0 of
///   g(y) = erf(y) - y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)) = 0,
/// with m_1 = erf(y). g(0) = 0 and g'(0) = -sqrt(2 alpha) < 0; g has one local maximum for
/// y > 1, and the retrieval root exists iff g is positive there (alpha < alpha_c). It is
/// bracketed between that maximum and 1/sqrt(2 alpha), where g < 0, and found by Brent's method
/// to ~1e-18. Returns std::nullopt above alpha_c. alpha = 0 gives y = inf, m_1 = 1.
/// Throws std::invalid_argument for alpha < 0 or NaN.
std::optional<ZeroNoiseState> zero_noise_steady_state(double alpha);

/// Saddle-node point where the retrieval root of (3.40) disappears (3.42).
struct ZeroNoiseCriticalPoint {
  double alpha = 0;    ///< alpha_c = 0.1379055664949...
  double y = 0;        ///< y_c = 1.5112185563...
  double overlap = 0;  ///< m_1 = erf(y_c) = 0.96741711568...
  double error = 0;    ///< (1 - m_1)/2 = 1.629 % wrong bits (3.18)
};

/// alpha_c of (3.42). At the saddle-node g = g' = 0; g' = 0 gives
/// sqrt(2 alpha) = (4/sqrt(pi)) y^2 exp(-y^2), which turns g = 0 into an equation in y alone,
///   erf(y) = (2/sqrt(pi)) y exp(-y^2) (1 + 2 y^2),
/// solved by Brent's method on [1, 3]; then alpha_c = (8/pi) y^4 exp(-2 y^2).
ZeroNoiseCriticalPoint zero_noise_critical_point();

/// alpha_c of (3.42) (zero_noise_critical_point().alpha).
double critical_load_zero_noise();

// ------------------------------------------------------------------------------------------
// Small load (alpha -> 0)

/// The book's (3.14): the largest root of m = tanh(beta m); 0 for beta <= 1, so the critical
/// noise level is 1/beta_c = 1 (3.15). Solved by Brent's method on tanh(beta m)/m - 1 = 0, which
/// has no root at m = 0 and stays accurate as beta -> 1+. Throws std::invalid_argument for
/// beta < 0 or NaN; beta = inf gives 1.
double order_parameter_small_load(double beta);

// ------------------------------------------------------------------------------------------
// Finite noise: (3.26), (3.33), (3.38)
//   m = <tanh(beta (m + sigma z))>_z,  q = <tanh^2(beta (m + sigma z))>_z,
//   sigma^2 = alpha q / [1 - beta (1 - q)]^2,  z standard normal.

/// A solution of (3.26), (3.33), (3.38).
struct MeanFieldSolution {
  double overlap = 0;         ///< m_1 (3.26)
  double q = 0;               ///< Edwards-Anderson parameter q (3.33)
  double sigma = 0;           ///< width sigma_z of the cross-talk field (3.38)
  double susceptibility = 0;  ///< C = beta (1 - q), computed as beta <sech^2>, no cancellation
  int iterations = 0;         ///< fixed-point iterations used (0 for closed-form limits)
  bool converged = false;     ///< residual below the tolerance
  bool retrieval = false;     ///< converged with overlap > MeanFieldOptions::retrieval_threshold
};

struct MeanFieldOptions {
  /// Stop when one map step changes m and 1 - q by less than this (and Newton's residual).
  double tolerance = 1e-13;
  /// Mixing of the damped iteration x <- (1 - d) x + d F(x); 1 is the plain iteration.
  double damping = 0.7;
  int max_iterations = 20000;
  /// Try Newton's method once the iteration's step falls below this (0 disables it).
  double newton_switch = 1e-4;
  /// Overlaps at or below this count as the m = 0 (spin-glass or paramagnetic) solution.
  /// Where a retrieval solution exists its overlap is far larger (m > 1e-3 down to
  /// alpha = 1e-12); the m = 0 solution converges to |m| < 1e-11.
  double retrieval_threshold = 1e-6;
};

/// Solves (3.26), (3.33), (3.38) the way the network is run in the experiment: by the damped
/// fixed-point iteration started at m = 1, q = 1 (the network fed pattern 1). The unknowns are
/// m and 1 - q (so C = beta (1 - q) stays accurate at large beta). Once steps are small, Newton's
/// method with the analytic Jacobian polishes the fixed point; its result is accepted only if the
/// iteration is locally attracted to it (both Jacobian eigenvalues with negative real part),
/// which rules out the unstable middle solution near the boundary.
/// Gaussian averages: gaussian_average below. alpha = 0 returns (3.14) exactly; beta = inf the
/// zero-noise solution (3.39)-(3.41) (or the zero-noise m = 0 state). Beyond the retrieval
/// boundary the iteration decays to m = 0 and `retrieval` is false. Within ~1e-6 of the boundary
/// the iteration slows down critically and may stop unconverged; retrieval_solution is exact there.
/// Throws std::invalid_argument for alpha < 0, beta <= 0, NaN, or bad options.
MeanFieldSolution mean_field_solution(double alpha, double beta, const MeanFieldOptions& options = {});

/// The retrieval solution located on its branch instead of by iteration. Parametrise the branch
/// by y = m / (sqrt(2) sigma) (the zero-noise variable of (3.39)) and s = beta sigma: then
/// (3.26) reads <tanh(s (sqrt(2) y + z))> = sqrt(2) y s / beta, which fixes s for given (y, beta)
/// (safeguarded Newton), and (3.38) gives the load explicitly,
///   alpha(y; beta) = sigma^2 [1 - beta (1 - q)]^2 / q.
/// For beta > 1, alpha(y; beta) -> 0 both as y -> 0 (where C -> 1) and y -> inf, with a single
/// maximum alpha_c(beta) in between (retrieval_load_limit). The retrieval solution is the root of
/// alpha(y; beta) = alpha on the large-y side of the maximum (the small-y root is the unstable
/// one), as at zero noise. Returns std::nullopt when alpha > alpha_c(beta). Same argument checks.
std::optional<MeanFieldSolution> retrieval_solution(double alpha, double beta);

/// alpha_c(beta) = max_y alpha(y; beta): the largest load at which the retrieval solution of
/// (3.26), (3.33), (3.38) exists at noise level 1/beta (Brent's minimiser on y). Equals
/// critical_load_zero_noise() for beta = inf and 0 for beta <= 1.
double retrieval_load_limit(double beta);

/// Critical noise level T_c(alpha) = 1/beta_c on the retrieval boundary of the book's Fig. 3.5:
/// the noise at which the retrieval branch, continued from low noise, ends in a saddle-node
/// (for alpha > 0 the overlap jumps there from a finite value to the m = 0 solution, a
/// first-order transition). Root of alpha_c(1/T) = alpha in T in (0, 1) by Brent's method to
/// ~1e-12 in T. 1 for alpha = 0 (3.15); 0 for alpha >= alpha_c (3.42).
double critical_noise(double alpha);

/// critical_noise for each alpha: the mean-field boundary of the book's Fig. 3.5.
std::vector<double> retrieval_boundary(std::span<const double> alphas);

/// <f(z)>_z over the standard normal z, the integrator behind the solvers (exposed for tests):
/// globally adaptive Gauss-Kronrod 7-15 on [-10, 10] (the rest has weight 1.5e-23) with
/// QUADPACK's error estimate (Piessens et al., QUADPACK, 1983), absolute tolerance 1e-17.
/// `breakpoint` and `width` mark a sharp feature (tanh(beta (m + sigma z)) steps at
/// z = -m/sigma over a width 1/(beta sigma)): the interval is split at the breakpoint and
/// 40 widths either side, so a step far narrower than the nodes is still resolved. Gauss-Hermite
/// rules converge only algebraically for such steps (beta = 1e4 needs m to 1e-13).
long double gaussian_average(const std::function<long double(long double)>& f, long double breakpoint = 0,
                             long double width = 0);

}  // namespace nnsim::hopfield
