#pragma once
// Where the retrieval probability P_ret(alpha; N) of a Hopfield network of N neurons crosses a
// level (1/2 by default): the estimate of the finite-N storage capacity alpha_c(N) that the
// nnsim-capacity driver (issue 7) extrapolates to N -> infinity (extrapolation.hpp, collapse.hpp).
// A sample is one disorder realisation (patterns, initial state, update order) run with zero
// noise; it counts as retrieved when its final overlap m exceeds m_cut (0.9 in the driver). The
// book's (3.42) gives the N -> infinity limit alpha_c = 0.1379 of the mean-field theory.
//
// The estimators, all for a curve that decreases with the load alpha:
//  - fit_crossing: maximum-likelihood fit of P(alpha) = F((alpha_0 - alpha) / w) to binomial
//    counts, F the standard normal distribution function Phi (probit) or the logistic function.
//    Binomial regression with a probit or logit link is standard (D. J. Finney, "Probit
//    Analysis", 1971; P. McCullagh and J. A. Nelder, "Generalized Linear Models", 1989, ch. 4).
//    Errors from the observed Fisher information (delta method) and from a bootstrap over the
//    disorder samples (B. Efron and R. J. Tibshirani, "An Introduction to the Bootstrap", 1993,
//    ch. 6: the bootstrap estimate of a standard error).
//  - linear_crossing: linear interpolation between the two probed points that bracket the level,
//    with first-order error propagation; for the retrieval fraction and for the mean overlap.
//  - steepest_point: the load where the fitted curve falls fastest.
//
// Arithmetic is double. Nothing here draws random numbers except the bootstrap, which uses the
// suite's counter-based streams (core/rng.hpp) with the choice documented at FitOptions.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nnsim::capacity {

/// k of n samples retrieved at load alpha.
struct BinomialPoint {
  double alpha = 0;
  std::int64_t successes = 0;
  std::int64_t trials = 0;
  double fraction() const { return static_cast<double>(successes) / static_cast<double>(trials); }
};

/// Counts the ones of per-sample 0/1 outcomes. Throws std::invalid_argument for a value other
/// than 0 or 1, or for no samples.
BinomialPoint binomial_point(double alpha, std::span<const std::uint8_t> retrieved);

/// Mean of a per-sample quantity (e.g. the final overlap m) at load alpha and its standard error
/// s / sqrt(n) (s the sample standard deviation, n - 1 in the denominator).
struct MeanPoint {
  double alpha = 0;
  double mean = 0;
  double stderr_mean = 0;
  std::int64_t samples = 0;
};

/// Mean and standard error of independent samples (n >= 2; throws std::invalid_argument else).
MeanPoint mean_point(double alpha, std::span<const double> values);

/// Link function F of the fitted curve P(alpha) = F((alpha_0 - alpha) / w).
enum class Link {
  probit,    ///< F = Phi, the standard normal distribution function
  logistic,  ///< F(t) = 1 / (1 + exp(-t)); its standard deviation is w pi / sqrt(3)
};

/// Where an estimated crossing lies relative to the probed loads [alpha_min, alpha_max].
enum class Location {
  bracketed,     ///< inside the probed range
  below_range,   ///< below alpha_min: P is already below the level at every probed load
  above_range,   ///< above alpha_max: P is still above the level at every probed load
  undetermined,  ///< no estimate (too few points, or the data do not decrease)
};
const char* to_string(Location location);

enum class FitStatus {
  converged,       ///< ML estimate found; errors are valid
  separated,       ///< perfect separation: the likelihood has no maximum (see fit_crossing)
  not_decreasing,  ///< the best fit increases with alpha (or the data are separated that way)
  too_few_points,  ///< fewer than two distinct loads
  not_converged,   ///< Newton's method hit the iteration limit
};
const char* to_string(FitStatus status);

struct FitOptions {
  Link link = Link::probit;
  /// Level of P at which the crossing is reported, in (0, 1).
  double level = 0.5;
  /// Bootstrap resamples (0: no bootstrap). Resample b redraws, at every point j independently,
  /// n_j samples with replacement from that point's n_j outcomes; its random numbers come from
  ///   RandomStream(seed, key, sample = b, stream = j)
  /// (core/rng.hpp), j the position of the point in the input. The result is thus a
  /// deterministic function of (points in their order, options). The driver should pass a
  /// different key per N (e.g. a PointKey of the N) so the resamples of different N are
  /// independent.
  int bootstrap_resamples = 0;
  std::uint64_t seed = 0;
  std::uint64_t key = 0;
  int max_iterations = 100;
  /// Newton stops when the largest component of the step (in standardised units) is below this.
  double tolerance = 1e-10;
};

/// Result of fit_crossing. Errors are NaN where not defined.
struct CrossingFit {
  FitStatus status = FitStatus::too_few_points;
  Location location = Location::undetermined;
  Link link = Link::probit;
  double level = 0.5;
  /// alpha where the fitted P equals `level`; for a separated fit the midpoint of
  /// separation_lower..upper (or the boundary point when that interval is open).
  double crossing = 0;
  double crossing_stderr = 0;  ///< from the observed Fisher information (delta method)
  /// alpha_0, where the fitted P = 1/2; also where P falls fastest (steepest_point).
  double midpoint = 0;
  double midpoint_stderr = 0;
  double width = 0;  ///< w of P = F((alpha_0 - alpha) / w); 0 when separated
  double width_stderr = 0;
  double log_likelihood = 0;  ///< sum_j [k_j ln P_j + (n_j - k_j) ln(1 - P_j)] (no binomial coefficients)
  int iterations = 0;
  /// For status separated: the loads between which the step lies (the crossing of any level
  /// lies there in the limit w -> 0); +-infinity when all points are on one side.
  double separation_lower = 0;
  double separation_upper = 0;
  /// Bootstrap (options.bootstrap_resamples > 0): standard deviation of the resampled crossing,
  /// its 15.87 % and 84.13 % quantiles (a 68 % percentile interval), and how many resamples
  /// were themselves separated (their crossing is then the separation midpoint, as above).
  double bootstrap_stderr = 0;
  double bootstrap_lower = 0;
  double bootstrap_upper = 0;
  int bootstrap_resamples = 0;
  int bootstrap_separated = 0;
  std::string message;  ///< what went wrong, for the status other than converged
};

/// Maximum-likelihood fit of P(alpha) = F((alpha_0 - alpha) / w), w > 0, to binomial counts:
/// maximises ln L = sum_j [k_j ln P(alpha_j) + (n_j - k_j) ln(1 - P(alpha_j))] over the linear
/// predictor eta = c_0 - c_1 x, x = (alpha - alpha_bar) / s standardised by the points' weighted
/// mean and spread, with Newton's method and step halving (ln L is concave in (c_0, c_1) for
/// both links, so this converges whenever a maximum exists). Then alpha_0 = alpha_bar + s c_0 / c_1,
/// w = s / c_1, and the crossing of `level` is alpha_bar + s (c_0 - F^-1(level)) / c_1. Its error
/// is the delta method on the covariance (-H)^-1, H the Hessian of ln L at the maximum (observed
/// information; equals the expected one for the logistic link).
///
/// Separation. If the points split into all-retrieved loads below some alpha* and
/// none-retrieved loads above it (at most one load with 0 < k < n, at alpha*), ln L increases
/// without bound as w -> 0 and there is no ML estimate (A. Albert and J. A. Anderson,
/// Biometrika 71, 1, 1984). This is detected before fitting, reported as status separated with
/// the interval in which the step lies and crossing = its midpoint; the fit is not regularised.
/// All-retrieved or none-retrieved data are the extreme case (location above_range or below_range).
/// With fewer than two distinct loads the status is too_few_points; data separated the other way,
/// or a fit with c_1 <= 0, give not_decreasing. Location: bracketed when the crossing lies in
/// [min alpha, max alpha], otherwise below_range or above_range; the crossing is still reported
/// (an extrapolation along the fitted curve) but not silently: check `location`.
/// Throws std::invalid_argument for trials < 1, successes outside [0, trials], a non-finite
/// alpha or a level outside (0, 1).
CrossingFit fit_crossing(std::span<const BinomialPoint> points, const FitOptions& options = {});

/// The load where the fitted curve falls fastest, max |dP/dalpha| = f(0) / w at eta = 0, i.e.
/// the fit's midpoint alpha_0 (for both links, whose densities peak at 0), with its error.
struct SteepestPoint {
  double alpha = 0;
  double alpha_stderr = 0;
  double slope = 0;  ///< dP/dalpha there (negative): -1 / (sqrt(2 pi) w) probit, -1 / (4 w) logistic
};
SteepestPoint steepest_point(const CrossingFit& fit);

/// Result of linear_crossing.
struct LinearCrossing {
  Location location = Location::undetermined;
  double crossing = 0;  ///< NaN unless bracketed
  double crossing_stderr = 0;
  double lower_alpha = 0;  ///< the bracketing loads (NaN unless bracketed)
  double upper_alpha = 0;
  /// How many neighbouring pairs cross the level downwards; > 1 means noise made the data
  /// non-monotone and the first (lowest-alpha) crossing was taken.
  int downward_crossings = 0;
};

/// Local linear estimator of the load where a decreasing curve y(alpha) falls through `level`.
/// Points are sorted by alpha; the first neighbouring pair (a_1, y_1), (a_2, y_2) with
/// y_1 >= level > y_2 gives
///   alpha* = a_1 + (y_1 - level) (a_2 - a_1) / (y_1 - y_2),
/// and, the two y independent with standard errors e_1, e_2,
///   var alpha* = (a_2 - a_1)^2 [(level - y_2)^2 e_1^2 + (y_1 - level)^2 e_2^2] / (y_1 - y_2)^4.
/// The error is first order in e / (y_1 - y_2): it is meaningful only when the bracketing points
/// differ by several errors. No pair: below_range if every y < level, above_range if every
/// y >= level, else undetermined (the curve only rises through the level).
/// This form serves the mean final overlap (alternative estimator 2a, with level e.g. 0.5 or m_cut).
LinearCrossing linear_crossing(std::span<const MeanPoint> points, double level);

/// The same for the retrieval fraction p = k / n. The binomial error sqrt(p (1 - p) / n) vanishes
/// at p = 0 or 1, so the error uses p~ = (k + 1/2) / (n + 1) in its place (the Jeffreys prior's
/// posterior mean): a point with 0 or n successes still carries an error ~ 1 / (2 n).
LinearCrossing linear_crossing(std::span<const BinomialPoint> points, double level = 0.5);

/// The link's distribution function F, its inverse and its density (exposed for tests).
double link_cdf(Link link, double t);
double link_quantile(Link link, double p);
double link_density(Link link, double t);

}  // namespace nnsim::capacity
