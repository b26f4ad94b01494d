#pragma once
// Mean-field theory of the Hopfield network's steady state (the book's Chapter 3):
// Hebb's rule with w_ii = 0 (2.26), random patterns (2.29), the network started at pattern 1,
// N -> infinity at fixed load alpha = p/N, replica-symmetric solution. The order parameter
// m_1 (3.2) is determined together with q (3.33) and the variance sigma^2 of the cross-talk
// field (3.38); at zero noise the equations reduce to one equation in y (3.39)-(3.41).
//
// Arithmetic is long double (the zero-noise solvers entirely; inside the Gaussian averages the
// exp and tanh are evaluated in double, see gaussian_average); results are returned as double.

#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace nnsim::hopfield {

// ------------------------------------------------------------------------------------------
// Zero noise (beta -> infinity)

/// Retrieval state at zero noise.
struct ZeroNoiseState {
  double y = 0;        ///< signal-to-noise ratio y = m_1 / (sqrt(2) sigma), root of (3.39)-(3.41)
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

/// Saddle-node point where the retrieval root of (3.39)-(3.41) disappears (3.42).
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
  /// Stop when one map step changes m and 1 - q by less than this; Newton then polishes.
  double tolerance = 1e-13;
  /// Mixing of the damped iteration x <- (1 - d) x + d F(x). The plain iteration (d = 1) is the
  /// default: at retrieval fixed points the map's Jacobian eigenvalues lie in (-0.24, 1) (checked
  /// on a grid 1e-4 <= alpha <= 0.138, 0 < T < 1), so it converges, and d < 1 only slows it.
  double damping = 1.0;
  int max_iterations = 20000;
  /// Try Newton's method once the iteration's step falls below this (0: plain iteration only,
  /// which slows down critically near the boundary and may then stop unconverged).
  double newton_switch = 1e-4;
  /// Overlaps at or below this count as the m = 0 (spin-glass or paramagnetic) solution. Where a
  /// retrieval solution exists its overlap is far larger: at the boundary, m ~ 1.9 alpha^(1/4)
  /// (0.0019 at alpha = 1e-12).
  double retrieval_threshold = 1e-6;
};

/// Solves (3.26), (3.33), (3.38) the way the network is run in the experiment: by iterating the
/// map (m, q) -> (<tanh>, <tanh^2>) started at m = 1, q = 1 (the network fed pattern 1). The
/// unknowns are m and 1 - q (so C = beta (1 - q) stays accurate at large beta).
///  - Once steps fall below newton_switch, Newton's method with the analytic Jacobian polishes the
///    fixed point; its root is accepted only if the iteration is attracted to it (both Jacobian
///    eigenvalues with negative real part) and it lies within the distance the iteration still
///    has to travel, so it cannot jump to the unstable middle solution.
///  - If Newton finds no such root the iteration is crawling past a saddle-node or its ghost
///    (within ~1e-4 in T of the boundary it would need ~1/sqrt(distance) steps); then the branch
///    solver (retrieval_solution) decides, and its root is polished by Newton on the map.
///  - If m falls below retrieval_threshold the iteration has left the retrieval branch; the m = 0
///    solution is then solved directly (q from a one-dimensional root; paramagnet q = 0 above
///    T_g = 1 + sqrt(alpha)), `retrieval` = false.
/// beta <= 1 has no retrieval (the slope beta <sech^2> of the m-map is below 1). alpha = 0 returns
/// (3.14) exactly; beta = inf the zero-noise solution (3.39)-(3.41) (or the zero-noise m = 0
/// state: q = 1, sigma = sqrt(alpha) + sqrt(2/pi)). Gaussian averages: see gaussian_average.
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
/// (3.26), (3.33), (3.38) exists at noise level T = 1/beta (Brent's minimiser on y). Equals
/// critical_load_zero_noise() for beta = inf and 0 for beta <= 1. This is the retrieval boundary
/// of the book's Fig. 3.5 as a single-valued function of T, the form to plot.
double retrieval_load_limit(double beta);

/// Maximum of alpha_c(T) over T. In the replica-symmetric theory alpha_c(T) rises from
/// alpha_c(0) = 0.137906 with a positive slope, peaks (0.1381885 at T = 0.02287, computed once
/// and cached) and then falls to 0 at T = 1:
/// the boundary is re-entrant near alpha_c (an artefact of replica symmetry, removed by
/// replica-symmetry breaking, cf. (3.48)).
struct RetrievalLoadMaximum {
  double alpha = 0;  ///< max_T alpha_c(T)
  double noise = 0;  ///< T where it is reached
};
RetrievalLoadMaximum retrieval_load_maximum();

/// Noise levels lower < T < upper at which the retrieval solution exists for load alpha.
/// lower = 0 for alpha <= alpha_c(0); lower > 0 only in the re-entrant sliver
/// alpha_c(0) < alpha < max_T alpha_c(T); upper = lower = 0 when there is no retrieval at any T.
struct RetrievalNoiseRange {
  double lower = 0;
  double upper = 0;
};

/// Roots of alpha_c(T) = alpha (Brent's method on sqrt(alpha_c(T)), to ~1e-12 in T) on either
/// side of the maximum of alpha_c(T). alpha = 0 gives (0, 1): 1/beta_c = 1 (3.15).
RetrievalNoiseRange retrieval_noise_range(double alpha);

/// Critical noise level T_c(alpha) = 1/beta_c of the book's Fig. 3.5: the largest noise level at
/// which the retrieval branch exists, i.e. where the branch continued from low noise ends in a
/// saddle-node (for alpha > 0 the overlap jumps there from a finite value to the m = 0 solution,
/// a first-order transition). retrieval_noise_range(alpha).upper: 1 for alpha = 0 (3.15), falling
/// with alpha; 0 for alpha >= retrieval_load_maximum().alpha. Because of the re-entrance, T_c
/// does not go to 0 at alpha_c(0) but to the T of the maximum, where it drops to 0.
double critical_noise(double alpha);

/// critical_noise for each alpha: the mean-field boundary of the book's Fig. 3.5.
std::vector<double> retrieval_boundary(std::span<const double> alphas);

/// <f(z)>_z over the standard normal z, the integrator behind the solvers (exposed for tests):
/// globally adaptive Gauss-Kronrod 7-15 on [-10, 10] (for bounded f the rest has weight 1.5e-23;
/// a growing f such as exp(t z) loses P(N(t, 1) > 10)), QUADPACK's error estimate (Piessens et
/// al., QUADPACK, 1983), stopping when the summed estimate is below 1e-15 times the integral of
/// |f| (or 1e-17), or at 2000 pieces (reached only when f's own rounding noise exceeds that). `breakpoint` and `width`
/// mark a sharp feature (tanh(beta (m + sigma z)) steps at z = -m/sigma over a width 1/(beta sigma)): the range is cut
/// there and 40 widths either side, so a step far narrower than the nodes is still resolved.
/// Gauss-Hermite rules converge only algebraically for such a step, and beta = 1e4 is needed.
/// The solvers use the same integrator with the transcendental functions evaluated in double
/// (tolerance 1e-13 relative to the integral of |f|; measured errors ~5e-17).
long double gaussian_average(const std::function<long double(long double)>& f, long double breakpoint = 0,
                             long double width = 0);

}  // namespace nnsim::hopfield
