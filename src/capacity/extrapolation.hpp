#pragma once
// Extrapolation of finite-size capacities alpha_c(N) to N -> infinity with the leading correction
//   alpha_c(N) = a_inf + a N^(-x)
// by weighted least squares, weights 1 / sigma_i^2 from the standard errors of alpha_c(N_i)
// (e.g. CrossingFit::crossing_stderr). With x fixed the model is linear in (a_inf, a); with x
// free it is fitted by a profile over x followed by Levenberg-Marquardt. Errors are the square
// roots of the diagonal of the covariance (J^T W J)^-1 (J the Jacobian of the model); they are NOT
// rescaled by chi^2 / dof, so a chi^2 / dof far above 1 says the errors (or the model) are wrong
// and the reported errors are then too small. (Weighted least squares and its covariance:
// e.g. W. H. Press et al., "Numerical Recipes", 3rd ed., 2007, sections 15.4 and 15.5.)
// The book's (3.42) gives the mean-field a_inf = 0.1379.

#include <span>
#include <string>
#include <vector>

namespace nnsim::capacity {

/// One system size: alpha_c(N) and its standard error (> 0).
struct SizePoint {
  double size = 0;  ///< N > 0
  double alpha_c = 0;
  double alpha_c_stderr = 0;
};

enum class ExtrapolationStatus {
  ok,
  too_few_points,  ///< need more points than parameters (2 with x fixed, 3 with x free)
  failed,          ///< singular normal equations (e.g. all N equal) or no convergence
};
const char* to_string(ExtrapolationStatus status);

struct PowerLawFit {
  ExtrapolationStatus status = ExtrapolationStatus::too_few_points;
  bool exponent_free = false;
  double a_inf = 0;  ///< alpha_c(infinity)
  double a_inf_stderr = 0;
  double amplitude = 0;  ///< a
  double amplitude_stderr = 0;
  double exponent = 0;         ///< x (the given one when fixed)
  double exponent_stderr = 0;  ///< 0 when fixed
  double correlation = 0;      ///< correlation coefficient of a_inf and a
  double chi2 = 0;             ///< sum_i ((alpha_c(N_i) - model_i) / sigma_i)^2
  int degrees_of_freedom = 0;  ///< points - parameters
  double chi2_per_dof = 0;
  /// x free only: the best x of the profile lay on the edge of the searched interval, so the
  /// minimum was not found inside it and the fit should not be used.
  bool exponent_at_bound = false;
  std::string message;  ///< why, for a status other than ok (or a warning)
};

/// alpha_c(N) = a_inf + a N^(-x) with x fixed: the linear weighted least-squares solution of the
/// 2 x 2 normal equations. Needs >= 3 points. Throws std::invalid_argument for N <= 0, a
/// non-positive or non-finite error, or a non-finite x.
PowerLawFit fit_power_law(std::span<const SizePoint> points, double exponent);

struct FreeExponentOptions {
  /// The profile chi^2_min(x) (the fixed-x fit at each x) is scanned on this grid; its minimum
  /// starts Levenberg-Marquardt on (a_inf, a, x).
  double min_exponent = 0.05;
  double max_exponent = 3.0;
  double grid_step = 0.005;
  int max_iterations = 200;
};

/// alpha_c(N) = a_inf + a N^(-x) with x free (needs >= 4 points). The covariance of
/// (a_inf, a, x) is (J^T W J)^-1 at the minimum (Gauss-Newton approximation of the Hessian of
/// chi^2 / 2). a_inf and x are strongly correlated; with few sizes their errors are large.
PowerLawFit fit_power_law_free(std::span<const SizePoint> points, const FreeExponentOptions& options = {});

/// chi^2 is acceptable when chi^2 / dof <= 1 + 3 sqrt(2 / dof): three standard deviations of
/// chi^2 / dof (variance 2 / dof) above its mean 1.
bool chi2_acceptable(double chi2, int degrees_of_freedom);

struct ExtrapolationChoice {
  PowerLawFit fit;
  std::string reason;
  std::vector<PowerLawFit> candidates;  ///< the free fit first, then one per fixed exponent
};

/// Chooses one extrapolation by a stated rule:
///  1. the free-x fit if it succeeded, has >= 2 degrees of freedom, an acceptable chi^2
///     (chi2_acceptable) and x inside the searched interval;
///  2. otherwise the fixed-x fit (from fixed_exponents, default 1/2, 2/3, 1) with the smallest
///     chi^2 / dof among those that succeeded;
///  3. status too_few_points if none succeeded.
/// The reason text names the rule that applied and the numbers it compared.
ExtrapolationChoice recommend_extrapolation(std::span<const SizePoint> points,
                                            std::span<const double> fixed_exponents = {},
                                            const FreeExponentOptions& options = {});

}  // namespace nnsim::capacity
