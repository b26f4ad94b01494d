#include "capacity/extrapolation.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

namespace nnsim::capacity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_points(std::span<const SizePoint> points) {
  for (const auto& p : points) {
    if (!(p.size > 0) || !std::isfinite(p.size))
      throw std::invalid_argument("extrapolation: N must be positive, got " + std::to_string(p.size));
    if (!std::isfinite(p.alpha_c)) throw std::invalid_argument("extrapolation: alpha_c is not finite");
    if (!(p.alpha_c_stderr > 0) || !std::isfinite(p.alpha_c_stderr))
      throw std::invalid_argument("extrapolation: the error of alpha_c must be positive, got " +
                                  std::to_string(p.alpha_c_stderr));
  }
}

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

// Linear WLS at fixed x without argument checks (the profile calls it many times).
PowerLawFit linear_fit(std::span<const SizePoint> points, double exponent) {
  PowerLawFit fit;
  fit.exponent = exponent;
  fit.a_inf = fit.a_inf_stderr = fit.amplitude = fit.amplitude_stderr = fit.correlation = kNaN;
  fit.chi2 = fit.chi2_per_dof = kNaN;
  fit.degrees_of_freedom = static_cast<int>(points.size()) - 2;
  if (fit.degrees_of_freedom < 1) {
    fit.status = ExtrapolationStatus::too_few_points;
    fit.message = "need at least 3 sizes for a fit with x fixed, got " + std::to_string(points.size());
    return fit;
  }
  // Normal equations of y = a_inf + a t, t = N^-x, weights 1/sigma^2.
  double s = 0, st = 0, stt = 0, sy = 0, sty = 0;
  for (const auto& p : points) {
    const double w = 1 / (p.alpha_c_stderr * p.alpha_c_stderr), t = std::pow(p.size, -exponent);
    s += w;
    st += w * t;
    stt += w * t * t;
    sy += w * p.alpha_c;
    sty += w * t * p.alpha_c;
  }
  const double det = s * stt - st * st;
  if (!(det > 1e-14 * s * stt)) {
    fit.status = ExtrapolationStatus::failed;
    fit.message = "singular normal equations (too few distinct N)";
    return fit;
  }
  fit.a_inf = (stt * sy - st * sty) / det;
  fit.amplitude = (s * sty - st * sy) / det;
  fit.a_inf_stderr = std::sqrt(stt / det);
  fit.amplitude_stderr = std::sqrt(s / det);
  fit.correlation = -st / std::sqrt(s * stt);
  fit.chi2 = 0;
  for (const auto& p : points) {
    const double r = (p.alpha_c - fit.a_inf - fit.amplitude * std::pow(p.size, -exponent)) / p.alpha_c_stderr;
    fit.chi2 += r * r;
  }
  fit.chi2_per_dof = fit.chi2 / fit.degrees_of_freedom;
  fit.status = ExtrapolationStatus::ok;
  return fit;
}

double chi2_of(std::span<const SizePoint> points, const Eigen::Vector3d& theta) {
  double chi2 = 0;
  for (const auto& p : points) {
    const double r = (p.alpha_c - theta[0] - theta[1] * std::pow(p.size, -theta[2])) / p.alpha_c_stderr;
    chi2 += r * r;
  }
  return chi2;
}

}  // namespace

const char* to_string(ExtrapolationStatus status) {
  switch (status) {
    case ExtrapolationStatus::ok:
      return "ok";
    case ExtrapolationStatus::too_few_points:
      return "too few points";
    case ExtrapolationStatus::failed:
      return "failed";
  }
  return "?";
}

bool chi2_acceptable(double chi2, int degrees_of_freedom) {
  if (degrees_of_freedom < 1 || !std::isfinite(chi2)) return false;
  const double dof = degrees_of_freedom;
  return chi2 / dof <= 1 + 3 * std::sqrt(2 / dof);
}

PowerLawFit fit_power_law(std::span<const SizePoint> points, double exponent) {
  check_points(points);
  if (!std::isfinite(exponent)) throw std::invalid_argument("fit_power_law: the exponent x must be finite");
  return linear_fit(points, exponent);
}

PowerLawFit fit_power_law_free(std::span<const SizePoint> points, const FreeExponentOptions& options) {
  check_points(points);
  if (!(options.min_exponent < options.max_exponent) || !(options.grid_step > 0))
    throw std::invalid_argument("fit_power_law_free: need min_exponent < max_exponent and grid_step > 0");
  PowerLawFit fit;
  fit.exponent_free = true;
  fit.a_inf = fit.a_inf_stderr = fit.amplitude = fit.amplitude_stderr = fit.exponent = fit.exponent_stderr = kNaN;
  fit.correlation = fit.chi2 = fit.chi2_per_dof = kNaN;
  fit.degrees_of_freedom = static_cast<int>(points.size()) - 3;
  if (fit.degrees_of_freedom < 1) {
    fit.status = ExtrapolationStatus::too_few_points;
    fit.message = "need at least 4 sizes for a fit with x free, got " + std::to_string(points.size());
    return fit;
  }
  // Profile: the best linear fit at each x of the grid.
  const auto steps = static_cast<int>(std::ceil((options.max_exponent - options.min_exponent) / options.grid_step));
  PowerLawFit best;
  int best_step = -1;
  for (int i = 0; i <= steps; ++i) {
    const double x = std::min(options.min_exponent + i * options.grid_step, options.max_exponent);
    const auto trial = linear_fit(points, x);
    if (trial.status == ExtrapolationStatus::ok && (best_step < 0 || trial.chi2 < best.chi2)) {
      best = trial;
      best_step = i;
    }
  }
  if (best_step < 0) {
    fit.status = ExtrapolationStatus::failed;
    fit.message = "no fixed-x fit succeeded on the profile grid";
    return fit;
  }
  fit.exponent_at_bound = best_step == 0 || best_step == steps;

  // Levenberg-Marquardt on theta = (a_inf, a, x) from the profile minimum.
  Eigen::Vector3d theta(best.a_inf, best.amplitude, best.exponent);
  double chi2 = chi2_of(points, theta), lambda = 1e-3;
  const auto normal_equations = [&](const Eigen::Vector3d& at, Eigen::Matrix3d& jtj, Eigen::Vector3d& jtr) {
    jtj.setZero();
    jtr.setZero();
    for (const auto& p : points) {
      const double t = std::pow(p.size, -at[2]);
      const double r = (p.alpha_c - at[0] - at[1] * t) / p.alpha_c_stderr;
      // derivatives of the model (not the residual) over sigma
      const Eigen::Vector3d j(1 / p.alpha_c_stderr, t / p.alpha_c_stderr,
                              -at[1] * t * std::log(p.size) / p.alpha_c_stderr);
      jtj += j * j.transpose();
      jtr += j * r;
    }
  };
  bool converged = false;
  Eigen::Matrix3d jtj;
  Eigen::Vector3d jtr;
  for (int iteration = 0; iteration < options.max_iterations && !converged; ++iteration) {
    normal_equations(theta, jtj, jtr);
    for (int attempt = 0; attempt < 40; ++attempt) {
      Eigen::Matrix3d damped = jtj;
      damped.diagonal() *= 1 + lambda;
      const Eigen::Vector3d step = damped.ldlt().solve(jtr);
      const Eigen::Vector3d next = theta + step;
      const double next_chi2 = chi2_of(points, next);
      if (std::isfinite(next_chi2) && next_chi2 <= chi2) {
        converged = chi2 - next_chi2 <= 1e-12 * (1 + chi2) &&
                    step.cwiseAbs().maxCoeff() <= 1e-10 * (1 + theta.cwiseAbs().maxCoeff());
        theta = next;
        chi2 = next_chi2;
        lambda = std::max(lambda / 10, 1e-12);
        break;
      }
      lambda *= 10;
      if (attempt == 39) converged = true;  // no downhill step left: at the minimum to rounding
    }
  }
  normal_equations(theta, jtj, jtr);
  const Eigen::Matrix3d covariance = jtj.inverse();
  if (!converged || !covariance.allFinite() || covariance.diagonal().minCoeff() <= 0) {
    fit.status = ExtrapolationStatus::failed;
    fit.message = "Levenberg-Marquardt did not converge or the covariance is singular";
    return fit;
  }
  fit.status = ExtrapolationStatus::ok;
  fit.a_inf = theta[0];
  fit.amplitude = theta[1];
  fit.exponent = theta[2];
  fit.a_inf_stderr = std::sqrt(covariance(0, 0));
  fit.amplitude_stderr = std::sqrt(covariance(1, 1));
  fit.exponent_stderr = std::sqrt(covariance(2, 2));
  fit.correlation = covariance(0, 1) / std::sqrt(covariance(0, 0) * covariance(1, 1));
  fit.chi2 = chi2;
  fit.chi2_per_dof = chi2 / fit.degrees_of_freedom;
  if (fit.exponent_at_bound)
    fit.message = format("the profile chi^2 is smallest at the edge x = %g of the searched [%g, %g]", best.exponent,
                         options.min_exponent, options.max_exponent);
  return fit;
}

ExtrapolationChoice recommend_extrapolation(std::span<const SizePoint> points, std::span<const double> fixed_exponents,
                                            const FreeExponentOptions& options) {
  static constexpr double kDefaultExponents[] = {0.5, 2.0 / 3.0, 1.0};
  if (fixed_exponents.empty()) fixed_exponents = kDefaultExponents;
  ExtrapolationChoice choice;
  const auto free_fit = fit_power_law_free(points, options);
  choice.candidates.push_back(free_fit);
  for (const double x : fixed_exponents) choice.candidates.push_back(fit_power_law(points, x));

  if (free_fit.status == ExtrapolationStatus::ok && free_fit.degrees_of_freedom >= 2 && !free_fit.exponent_at_bound &&
      chi2_acceptable(free_fit.chi2, free_fit.degrees_of_freedom)) {
    choice.fit = free_fit;
    choice.reason = format("x free: %g degrees of freedom (>= 2), chi^2/dof = %.3g acceptable (<= 1 + 3 sqrt(2/dof))",
                           free_fit.degrees_of_freedom, free_fit.chi2_per_dof);
    return choice;
  }
  std::string why_not_free;
  if (free_fit.status != ExtrapolationStatus::ok)
    why_not_free = "x free not possible (" + free_fit.message + ")";
  else if (free_fit.degrees_of_freedom < 2)
    why_not_free = "x free has only 1 degree of freedom";
  else if (free_fit.exponent_at_bound)
    why_not_free = "x free ran to the edge of the searched interval";
  else
    why_not_free = format("x free has chi^2/dof = %.3g, not acceptable", free_fit.chi2_per_dof);

  const PowerLawFit* best = nullptr;
  for (std::size_t i = 1; i < choice.candidates.size(); ++i) {
    const auto& candidate = choice.candidates[i];
    if (candidate.status == ExtrapolationStatus::ok && (best == nullptr || candidate.chi2_per_dof < best->chi2_per_dof))
      best = &candidate;
  }
  if (best == nullptr) {
    choice.fit = choice.candidates.size() > 1 ? choice.candidates[1] : free_fit;
    choice.reason = why_not_free + "; no fixed-x fit possible either (need at least 3 sizes)";
    return choice;
  }
  choice.fit = *best;
  choice.reason =
      why_not_free + format("; fixed x = %.4g has the smallest chi^2/dof (%.3g)", best->exponent, best->chi2_per_dof);
  if (!chi2_acceptable(best->chi2, best->degrees_of_freedom)) choice.reason += ", which is itself not acceptable";
  return choice;
}

}  // namespace nnsim::capacity
