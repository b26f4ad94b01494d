#include "capacity/collapse.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "capacity/detail.hpp"

namespace nnsim::capacity {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Vector = Eigen::Vector4d;
using Matrix = Eigen::Matrix4d;

// One point with its log size relative to N_ref.
struct Observation {
  double alpha, log_size, successes, trials;
};

// theta = (alpha_inf, u = 1/nu, v = ln w_0, b).
double log_likelihood(const std::vector<Observation>& data, const Vector& theta) {
  double sum = 0;
  for (const auto& o : data) {
    const double eta = ((theta[0] - o.alpha) * std::exp(theta[1] * o.log_size) + theta[3]) * std::exp(-theta[2]);
    sum += o.successes * detail::log_normal_cdf(eta) + (o.trials - o.successes) * detail::log_normal_cdf(-eta);
  }
  return sum;
}

// Gradient and Hessian of ln L; `shift` false leaves the b row and column zero.
void derivatives(const std::vector<Observation>& data, const Vector& theta, Vector& gradient, Matrix& hessian) {
  gradient.setZero();
  hessian.setZero();
  const double e = std::exp(-theta[2]);
  for (const auto& o : data) {
    const double s = std::exp(theta[1] * o.log_size), d = theta[0] - o.alpha, L = o.log_size;
    const double eta = (d * s + theta[3]) * e;
    const double up = detail::normal_hazard(eta), down = detail::normal_hazard(-eta);
    const double k = o.successes, n = o.trials;
    const double first = k * up - (n - k) * down;
    const double second = -k * up * (eta + up) - (n - k) * down * (down - eta);
    const Vector g(s * e, d * s * L * e, -eta, e);        // d eta / d theta
    Matrix h;                                             // d^2 eta / d theta^2
    h << 0, s * L * e, -s * e, 0,                         //
        s * L * e, d * s * L * L * e, -d * s * L * e, 0,  //
        -s * e, -d * s * L * e, eta, -e,                  //
        0, 0, -e, 0;
    gradient += first * g;
    hessian += second * g * g.transpose() + first * h;
  }
}

}  // namespace

CollapseFit fit_scaling_collapse(std::span<const SizeData> sizes, const CollapseOptions& options) {
  CollapseFit result;
  result.alpha_inf = result.alpha_inf_stderr = result.nu = result.nu_stderr = kNaN;
  result.width = result.width_stderr = result.log_likelihood = result.deviance = kNaN;
  result.shift = 0;
  result.shift_stderr = options.fit_shift ? kNaN : 0;
  double log_reference = 0;
  std::size_t total_points = 0;
  for (const auto& size : sizes) {
    if (!(size.size > 0) || !std::isfinite(size.size))
      throw std::invalid_argument("fit_scaling_collapse: N must be positive, got " + std::to_string(size.size));
    log_reference += std::log(size.size);
    total_points += size.points.size();
  }
  if (sizes.empty()) {
    result.message = "no sizes";
    return result;
  }
  log_reference =
      options.reference_size > 0 ? std::log(options.reference_size) : log_reference / static_cast<double>(sizes.size());
  result.reference_size = std::exp(log_reference);

  // Starting values from the per-size fits.
  std::vector<double> log_sizes, log_widths, crossings, crossing_weights;
  std::vector<Observation> data;
  data.reserve(total_points);
  for (const auto& size : sizes) {
    const auto fit = fit_crossing(size.points);  // also checks the points
    const double L = std::log(size.size) - log_reference;
    for (const auto& p : size.points)
      data.push_back({p.alpha, L, static_cast<double>(p.successes), static_cast<double>(p.trials)});
    if (fit.status != FitStatus::converged) continue;
    log_sizes.push_back(L);
    log_widths.push_back(std::log(fit.width));
    crossings.push_back(fit.midpoint);
    crossing_weights.push_back(1 / (fit.midpoint_stderr * fit.midpoint_stderr));
  }
  const int parameters = options.fit_shift ? 4 : 3;
  result.degrees_of_freedom = static_cast<int>(total_points) - parameters;
  if (log_sizes.size() < 2 || result.degrees_of_freedom < 1) {
    result.status = FitStatus::too_few_points;
    result.message = "need at least two sizes whose own probit fit converged (got " + std::to_string(log_sizes.size()) +
                     ") and more points than parameters";
    return result;
  }
  // ln w(N) = ln w_0 - u L by least squares.
  double mean_l = 0, mean_w = 0;
  for (std::size_t i = 0; i < log_sizes.size(); ++i) {
    mean_l += log_sizes[i];
    mean_w += log_widths[i];
  }
  mean_l /= static_cast<double>(log_sizes.size());
  mean_w /= static_cast<double>(log_sizes.size());
  double sll = 0, slw = 0;
  for (std::size_t i = 0; i < log_sizes.size(); ++i) {
    sll += (log_sizes[i] - mean_l) * (log_sizes[i] - mean_l);
    slw += (log_sizes[i] - mean_l) * (log_widths[i] - mean_w);
  }
  double u = sll > 0 ? -slw / sll : 0.5;
  if (!(u > 0.05)) u = 0.5;
  const double v = mean_w + u * mean_l;
  // alpha_c(N) = alpha_inf + b N_rel^-u by weighted least squares (b = 0 without the shift).
  double sw = 0, st = 0, stt = 0, sy = 0, sty = 0;
  for (std::size_t i = 0; i < crossings.size(); ++i) {
    const double w = crossing_weights[i], t = std::exp(-u * log_sizes[i]);
    sw += w;
    st += w * t;
    stt += w * t * t;
    sy += w * crossings[i];
    sty += w * t * crossings[i];
  }
  double alpha_start = sy / sw, b_start = 0;
  if (options.fit_shift && sw * stt - st * st > 1e-12 * sw * stt) {
    alpha_start = (stt * sy - st * sty) / (sw * stt - st * st);
    b_start = (sw * sty - st * sy) / (sw * stt - st * st);  // eta = 0 at alpha = alpha_inf + b / s_N
  }
  Vector theta(alpha_start, u, v, b_start);

  // Newton with Levenberg-Marquardt damping: solve (-H + lambda diag(-H)) step = gradient.
  double current = log_likelihood(data, theta), lambda = 1e-3;
  Vector gradient;
  Matrix hessian;
  result.status = FitStatus::not_converged;
  const auto restrict = [&](Matrix& m, Vector& g) {
    if (options.fit_shift) return;
    m.row(3).setZero();
    m.col(3).setZero();
    m(3, 3) = 1;
    g[3] = 0;
  };
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    result.iterations = iteration;
    derivatives(data, theta, gradient, hessian);
    Matrix information = -hessian;
    restrict(information, gradient);
    bool moved = false, done = false;
    for (int attempt = 0; attempt < 60; ++attempt) {
      Matrix damped = information;
      for (int i = 0; i < 4; ++i) damped(i, i) += lambda * std::max(std::fabs(information(i, i)), 1e-12);
      const Eigen::LDLT<Matrix> solver(damped);
      Vector step = solver.solve(gradient);
      if (solver.info() != Eigen::Success || !step.allFinite() || !solver.isPositive()) {
        lambda *= 10;
        continue;
      }
      const Vector next = theta + step;
      const double trial = log_likelihood(data, next);
      if (std::isfinite(trial) && trial >= current) {
        done = trial - current <= 1e-12 * (1 + std::fabs(current)) && step.cwiseAbs().maxCoeff() < 1e-9;
        theta = next;
        current = trial;
        lambda = std::max(lambda / 10, 1e-15);
        moved = true;
        break;
      }
      lambda *= 10;
    }
    if (done || !moved) {  // no uphill step left: converged to rounding, if the gradient says so
      result.status = FitStatus::converged;
      break;
    }
  }
  derivatives(data, theta, gradient, hessian);
  Matrix information = -hessian;
  restrict(information, gradient);
  const Eigen::LDLT<Matrix> solver(information);
  const Matrix covariance = solver.solve(Matrix::Identity());
  if (result.status == FitStatus::converged && (!solver.isPositive() || !covariance.allFinite())) {
    result.status = FitStatus::not_converged;
    result.message = "the information matrix at the end point is not positive definite";
  }
  if (result.status == FitStatus::not_converged && result.message.empty())
    result.message = "no convergence in " + std::to_string(options.max_iterations) + " iterations";

  result.alpha_inf = theta[0];
  result.nu = 1 / theta[1];
  result.width = std::exp(theta[2]);
  result.shift = options.fit_shift ? theta[3] : 0;
  result.log_likelihood = current;
  if (result.status == FitStatus::converged) {
    result.alpha_inf_stderr = std::sqrt(covariance(0, 0));
    result.nu_stderr = std::sqrt(covariance(1, 1)) / (theta[1] * theta[1]);
    result.width_stderr = result.width * std::sqrt(covariance(2, 2));
    if (options.fit_shift) result.shift_stderr = std::sqrt(covariance(3, 3));
  }
  double deviance = 0;
  for (const auto& o : data) {
    const double eta = ((theta[0] - o.alpha) * std::exp(theta[1] * o.log_size) + theta[3]) * std::exp(-theta[2]);
    const double k = o.successes, n = o.trials;
    if (k > 0) deviance += k * (std::log(k / n) - detail::log_normal_cdf(eta));
    if (k < n) deviance += (n - k) * (std::log((n - k) / n) - detail::log_normal_cdf(-eta));
  }
  result.deviance = 2 * deviance;
  return result;
}

}  // namespace nnsim::capacity
