#include "hopfield/mean_field.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnsim::hopfield {
namespace {

using Real = long double;
constexpr Real kSqrt2 = 1.414213562373095048801688724209698079L;
constexpr Real kPi = 3.141592653589793238462643383279502884L;
constexpr Real kTwoOverSqrtPi = 1.128379167095512573896158903121545172L;
constexpr Real kInvSqrt2Pi = 0.398942280401432677939946059934381868L;
constexpr Real kEpsilon = std::numeric_limits<Real>::epsilon();
constexpr Real kInfinity = std::numeric_limits<Real>::infinity();

// ---------------------------------------------------------------------------------------------
// Root finding and minimisation: R. P. Brent, "Algorithms for Minimization without
// Derivatives" (1973), chapters 4 and 5, in the form of Numerical Recipes' zbrent and brent.

/// Root of f in [a, b] given f(a) = fa and f(b) = fb of opposite signs, to |x - root| <~ xtol.
template <class F>
Real brent_root(const F& f, Real a, Real b, Real fa, Real fb, Real xtol) {
  if (fa == 0) return a;
  if (fb == 0) return b;
  Real c = b, fc = fb, d = b - a, e = d;
  for (int iteration = 0; iteration < 400; ++iteration) {
    if ((fb > 0) == (fc > 0)) {  // keep the root between b and c
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (std::fabs(fc) < std::fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const Real tol1 = 2 * kEpsilon * std::fabs(b) + xtol / 2;
    const Real half_gap = (c - b) / 2;
    if (std::fabs(half_gap) <= tol1 || fb == 0) return b;
    if (std::fabs(e) >= tol1 && std::fabs(fa) > std::fabs(fb)) {
      // inverse quadratic interpolation, or the secant step when only two points are known
      const Real s = fb / fa;
      Real p, q;
      if (a == c) {
        p = 2 * half_gap * s;
        q = 1 - s;
      } else {
        const Real qa = fa / fc, r = fb / fc;
        p = s * (2 * half_gap * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      p = std::fabs(p);
      if (2 * p < std::min(3 * half_gap * q - std::fabs(tol1 * q), std::fabs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = half_gap;
        e = d;
      }
    } else {
      d = half_gap;
      e = d;
    }
    a = b;
    fa = fb;
    b += std::fabs(d) > tol1 ? d : std::copysign(tol1, half_gap);
    fb = f(b);
  }
  return b;
}

/// Minimum of f on [a, b], starting from x in (a, b) with f(x) = fx below f at both ends.
/// Locates the minimiser to ~rel_tol relative; the minimum value is then accurate to ~rel_tol^2.
template <class F>
Real brent_minimum(const F& f, Real a, Real b, Real x, Real fx, Real rel_tol, Real* f_min) {
  constexpr Real kGolden = 0.381966011250105151795413165634361883L;  // (3 - sqrt 5) / 2
  constexpr Real kTiny = 1e-30L;
  Real w = x, v = x, fw = fx, fv = fx;
  Real d = 0, e = 0;
  for (int iteration = 0; iteration < 200; ++iteration) {
    const Real mid = (a + b) / 2;
    const Real tol1 = rel_tol * std::fabs(x) + kTiny, tol2 = 2 * tol1;
    if (std::fabs(x - mid) <= tol2 - (b - a) / 2) break;
    bool golden = true;
    if (std::fabs(e) > tol1) {  // try a parabola through x, w, v
      const Real r = (x - w) * (fx - fv);
      Real q = (x - v) * (fx - fw);
      Real p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = std::fabs(q);
      const Real e_old = e;
      e = d;
      if (!(std::fabs(p) >= std::fabs(q * e_old / 2) || p <= q * (a - x) || p >= q * (b - x))) {
        d = p / q;
        const Real u = x + d;
        if (u - a < tol2 || b - u < tol2) d = std::copysign(tol1, mid - x);
        golden = false;
      }
    }
    if (golden) {
      e = (x >= mid) ? a - x : b - x;
      d = kGolden * e;
    }
    const Real u = std::fabs(d) >= tol1 ? x + d : x + std::copysign(tol1, d);
    const Real fu = f(u);
    if (fu <= fx) {
      if (u >= x)
        a = x;
      else
        b = x;
      v = w;
      w = x;
      x = u;
      fv = fw;
      fw = fx;
      fx = fu;
    } else {
      if (u < x)
        a = u;
      else
        b = u;
      if (fu <= fw || w == x) {
        v = w;
        w = u;
        fv = fw;
        fw = fu;
      } else if (fu <= fv || v == x || v == w) {
        v = u;
        fv = fu;
      }
    }
  }
  *f_min = fx;
  return x;
}

// ---------------------------------------------------------------------------------------------
// Gaussian averages: adaptive Gauss-Kronrod 7-15 (QUADPACK's qk15 and its error estimate;
// nodes and weights to 36 digits as in Boost.Math's gauss_kronrod<T, 15>).

constexpr Real kCutoff = 10;  // P(|z| > 10) = 1.5e-23
constexpr std::size_t kMaxPieces = 2000;

/// Stopping rule: summed error estimates below max(absolute, relative * integral of |f|), with
/// relative well above the round-off floor 50 * round_off of QUADPACK's estimate.
struct Accuracy {
  Real round_off;  // relative precision of the integrand values
  Real relative;
  Real absolute;
};
constexpr Accuracy kLongDoubleIntegrand{kEpsilon, 1e-15L, 1e-17L};
constexpr Accuracy kDoubleIntegrand{std::numeric_limits<double>::epsilon(), 1e-13L, 1e-17L};

constexpr std::array<Real, 8> kKronrodNodes = {
    0.00000000000000000000000000000000000e+00L, 2.07784955007898467600689403773244913e-01L,
    4.05845151377397166906606412076961463e-01L, 5.86087235467691130294144838258729598e-01L,
    7.41531185599394439863864773280788407e-01L, 8.64864423359769072789712788640926201e-01L,
    9.49107912342758524526189684047851262e-01L, 9.91455371120812639206854697526328517e-01L};
constexpr std::array<Real, 8> kKronrodWeights = {
    2.09482141084727828012999174891714264e-01L, 2.04432940075298892414161999234649085e-01L,
    1.90350578064785409913256402421013683e-01L, 1.69004726639267902826583426598550284e-01L,
    1.40653259715525918745189590510237920e-01L, 1.04790010322250183839876322541518017e-01L,
    6.30920926299785532907006631892042867e-02L, 2.29353220105292249637320080589695920e-02L};
// The 7-point Gauss rule uses the Kronrod nodes with even index.
constexpr std::array<Real, 4> kGaussWeights = {
    4.17959183673469387755102040816326531e-01L, 3.81830050505118944950369775488975134e-01L,
    2.79705391489276667901467771423779582e-01L, 1.29484966168869693270611432679082018e-01L};

template <std::size_t K>
struct Piece {
  Real lower, upper;
  std::array<Real, K> integral;
  Real error;  // largest component error estimate
  Real scale;  // largest component integral of |f|
};

/// qk15 on [lower, upper]; f(z) returns K components, the Gaussian density included.
template <std::size_t K, class F>
Piece<K> kronrod_piece(const F& f, Real lower, Real upper, const Accuracy& accuracy) {
  const Real center = (lower + upper) / 2, half = (upper - lower) / 2;
  std::array<std::array<Real, K>, 15> values;
  values[0] = f(center);
  for (std::size_t j = 1; j < 8; ++j) {
    values[2 * j - 1] = f(center - half * kKronrodNodes[j]);
    values[2 * j] = f(center + half * kKronrodNodes[j]);
  }
  Piece<K> piece{lower, upper, {}, 0, 0};
  for (std::size_t k = 0; k < K; ++k) {
    Real kronrod = kKronrodWeights[0] * values[0][k], gauss = kGaussWeights[0] * values[0][k];
    Real absolute = kKronrodWeights[0] * std::fabs(values[0][k]);
    for (std::size_t j = 1; j < 8; ++j) {
      const Real sum = values[2 * j - 1][k] + values[2 * j][k];
      kronrod += kKronrodWeights[j] * sum;
      if (j % 2 == 0) gauss += kGaussWeights[j / 2] * sum;
      absolute += kKronrodWeights[j] * (std::fabs(values[2 * j - 1][k]) + std::fabs(values[2 * j][k]));
    }
    const Real mean = kronrod / 2;
    Real spread = kKronrodWeights[0] * std::fabs(values[0][k] - mean);
    for (std::size_t j = 1; j < 8; ++j)
      spread += kKronrodWeights[j] * (std::fabs(values[2 * j - 1][k] - mean) + std::fabs(values[2 * j][k] - mean));
    spread *= half;
    absolute *= half;
    // QUADPACK's estimate: |K15 - G7| overstates the K15 error by orders of magnitude for smooth
    // integrands; (200 |K15 - G7| / spread)^1.5 is its empirical scaling, floored at round-off.
    Real error = std::fabs((kronrod - gauss) * half);
    if (spread != 0 && error != 0) {
      const Real ratio = 200 * error / spread;
      error = spread * std::min<Real>(1, ratio * std::sqrt(ratio));
    }
    error = std::max(error, 50 * accuracy.round_off * absolute);
    piece.integral[k] = kronrod * half;
    piece.error = std::max(piece.error, error);
    piece.scale = std::max(piece.scale, absolute);
  }
  return piece;
}

/// Integral of f over [-kCutoff, kCutoff] (f includes the Gaussian density), K components,
/// globally adaptive: the piece with the largest error estimate is halved until the total
/// estimate meets the accuracy. Pieces are first cut at the breakpoint and 40 widths either side.
template <std::size_t K, class F>
std::array<Real, K> gaussian_integral(const F& f, Real breakpoint, Real width, const Accuracy& accuracy) {
  std::array<Real, 5> cuts = {-kCutoff, kCutoff, breakpoint, breakpoint - 40 * width, breakpoint + 40 * width};
  // cuts outside the range collapse onto its end (empty pieces are skipped)
  for (std::size_t i = 2; i < cuts.size(); ++i)
    if (!(cuts[i] > -kCutoff && cuts[i] < kCutoff)) cuts[i] = kCutoff;
  std::sort(cuts.begin(), cuts.end());

  std::vector<Piece<K>> heap;
  heap.reserve(64);
  const auto by_error = [](const Piece<K>& x, const Piece<K>& y) { return x.error < y.error; };
  Real total_error = 0, total_scale = 0;
  const auto add = [&](const Piece<K>& piece) {
    heap.push_back(piece);
    std::push_heap(heap.begin(), heap.end(), by_error);
    total_error += piece.error;
    total_scale += piece.scale;
  };
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    if (cuts[i + 1] > cuts[i]) add(kronrod_piece<K>(f, cuts[i], cuts[i + 1], accuracy));
  while (heap.size() < kMaxPieces && total_error > std::max(accuracy.absolute, accuracy.relative * total_scale)) {
    std::pop_heap(heap.begin(), heap.end(), by_error);
    const Piece<K> worst = heap.back();
    const Real mid = (worst.lower + worst.upper) / 2;
    if (!(mid > worst.lower && mid < worst.upper)) break;  // cannot split further
    heap.pop_back();
    total_error -= worst.error;
    total_scale -= worst.scale;
    add(kronrod_piece<K>(f, worst.lower, mid, accuracy));
    add(kronrod_piece<K>(f, mid, worst.upper, accuracy));
  }
  std::array<Real, K> result{};
  for (const auto& piece : heap)
    for (std::size_t k = 0; k < K; ++k) result[k] += piece.integral[k];
  return result;
}

/// Gaussian averages of functions of the local field x = beta (m + sigma z).
struct FieldAverages {
  Real tanh = 0;          // <tanh x>
  Real sech2 = 0;         // <sech^2 x> = 1 - <tanh^2 x>
  Real z_sech2 = 0;       // <z sech^2 x>
  Real sech2_tanh = 0;    // <sech^2 x tanh x>
  Real z_sech2_tanh = 0;  // <z sech^2 x tanh x>
};

/// x = beta (m + sigma z). The sech^2 components are integrated multiplied by max(1, beta) so
/// that C = beta <sech^2> gets the absolute accuracy of the quadrature.
FieldAverages field_averages(Real beta, Real m, Real sigma) {
  FieldAverages avg;
  if (sigma == 0) {
    const Real t = std::tanh(beta * m);
    avg.tanh = t;
    avg.sech2 = (1 - t) * (1 + t);
    avg.sech2_tanh = avg.sech2 * t;
    return avg;
  }
  const Real scale = std::max<Real>(1, beta);
  // Transcendentals in double (relative error ~1e-16 per node, far below what the solvers
  // need, and several times faster than long double); nodes and sums stay long double.
  // tanh and sech^2 both come from e = exp(-2|x|), so sech^2 keeps full relative precision
  // in the tails where 1 - tanh^2 would cancel.
  const auto integrand = [&](Real z) {
    const double x = static_cast<double>(beta * (m + sigma * z));
    const double e = std::exp(-2 * std::fabs(x)), inverse = 1 / (1 + e);
    const double zd = static_cast<double>(z);
    const double density = static_cast<double>(kInvSqrt2Pi) * std::exp(-0.5 * zd * zd);
    const Real t = std::copysign((1 - e) * inverse, x);
    const Real p = static_cast<double>(scale) * 4 * e * inverse * inverse;
    return std::array<Real, 5>{t * density, p * density, z * p * density, p * t * density, z * p * t * density};
  };
  const auto v = gaussian_integral<5>(integrand, -m / sigma, 1 / (beta * sigma), kDoubleIntegrand);
  avg.tanh = v[0];
  avg.sech2 = v[1] / scale;
  avg.z_sech2 = v[2] / scale;
  avg.sech2_tanh = v[3] / scale;
  avg.z_sech2_tanh = v[4] / scale;
  return avg;
}

// ---------------------------------------------------------------------------------------------
// Argument checks (the message names the parameter and the allowed range).

void check_alpha(double alpha) {
  if (!(alpha >= 0) || std::isinf(alpha))
    throw std::invalid_argument("alpha must be finite and >= 0, got " + std::to_string(alpha));
}

void check_beta(double beta) {
  if (!(beta > 0)) throw std::invalid_argument("beta must be > 0 (inf allowed), got " + std::to_string(beta));
}

// ---------------------------------------------------------------------------------------------
// Zero noise

/// g(y) of (3.39)-(3.41), positive where the signal wins.
Real zero_noise_residual(Real alpha, Real y) {
  return std::erf(y) - y * (std::sqrt(2 * alpha) + kTwoOverSqrtPi * std::exp(-y * y));
}

std::optional<ZeroNoiseState> zero_noise_state(Real alpha) {
  if (alpha == 0) return ZeroNoiseState{std::numeric_limits<double>::infinity(), 1.0, 0.0};
  // g'(y) = (4/sqrt(pi)) y^2 exp(-y^2) - sqrt(2 alpha): zero at the local maximum y > 1 where
  // y^2 exp(-y^2) = c. y^2 exp(-y^2) falls from 1/e at y = 1, so c >= 1/e means g decreases.
  const Real c = std::sqrt(2 * alpha) / (2 * kTwoOverSqrtPi);
  if (c >= std::exp(-1.0L)) return std::nullopt;
  const auto slope = [c](Real y) { return y * y * std::exp(-y * y) - c; };
  Real upper = 2;
  while (slope(upper) > 0) upper *= 2;
  const Real y_peak = brent_root(slope, 1, upper, slope(1), slope(upper), 1e-18L);
  const auto g = [alpha](Real y) { return zero_noise_residual(alpha, y); };
  const Real g_peak = g(y_peak);
  if (!(g_peak > 0)) return std::nullopt;
  // At y = 1/sqrt(2 alpha), g = erf(y) - 1 - (2/sqrt(pi)) y exp(-y^2) < 0.
  const Real y_far = std::max(y_peak, 1 / std::sqrt(2 * alpha));
  const Real y = brent_root(g, y_peak, y_far, g_peak, g(y_far), 1e-18L);
  const Real overlap = std::erf(y);
  return ZeroNoiseState{static_cast<double>(y), static_cast<double>(overlap), static_cast<double>(std::erfc(y) / 2)};
}

struct CriticalPointReal {
  Real alpha, y;
};

CriticalPointReal zero_noise_critical() {
  // erf(y) = (2/sqrt(pi)) y exp(-y^2) (1 + 2 y^2): negative difference at y = 1, positive at 3.
  const auto f = [](Real y) { return std::erf(y) - kTwoOverSqrtPi * y * std::exp(-y * y) * (1 + 2 * y * y); };
  const Real y = brent_root(f, 1, 3, f(1), f(3), 1e-19L);
  const Real y2 = y * y;
  return {8 / kPi * y2 * y2 * std::exp(-2 * y2), y};
}

// ---------------------------------------------------------------------------------------------
// Small load

Real small_load_overlap(Real beta) {
  if (beta <= 1) return 0;
  if (std::isinf(beta)) return 1;
  // tanh(beta m)/m - 1 falls from beta - 1 at m -> 0 to tanh(beta) - 1 < 0 at m = 1 (tanh concave).
  const auto f = [beta](Real m) { return std::tanh(beta * m) / m - 1; };
  const Real f1 = f(1);
  if (f1 >= 0) return 1;  // tanh(beta) rounds to 1
  return brent_root(f, 0, 1, beta - 1, f1, 1e-19L);
}

// ---------------------------------------------------------------------------------------------
// Finite noise: fixed-point iteration on (m, p = 1 - q)

struct MapPoint {
  Real m, p;
};

/// sigma of (3.38) as a function of p = 1 - q; the denominator 1 - C is kept positive (C < 1 on
/// every solution reached from m = 1; transients beyond are clipped).
Real cross_talk_sigma(Real alpha, Real beta, Real p) {
  const Real denominator = std::max<Real>(1 - beta * p, 1e-15L);
  return std::sqrt(alpha * std::max<Real>(1 - p, 0)) / denominator;
}

struct NewtonResult {
  MapPoint point;
  bool converged;
  bool attracting;  // both eigenvalues of the Jacobian of F(x) - x have negative real part
};

/// Newton's method on F(m, p) - (m, p) = 0 with the analytic Jacobian.
NewtonResult newton_polish(Real alpha, Real beta, MapPoint x, Real tolerance) {
  NewtonResult result{x, false, false};
  for (int step = 0; step < 40; ++step) {
    const Real one_minus_c = 1 - beta * x.p;
    if (!(one_minus_c > 0) || !(x.p >= 0) || !(x.p < 1)) return result;
    const Real sigma = cross_talk_sigma(alpha, beta, x.p);
    const FieldAverages a = field_averages(beta, x.m, sigma);
    const Real f1 = a.tanh - x.m, f2 = a.sech2 - x.p;
    const Real dsigma_dp = sigma * (beta / one_minus_c - 1 / (2 * (1 - x.p)));
    const Real j11 = beta * a.sech2 - 1, j12 = beta * a.z_sech2 * dsigma_dp;
    const Real j21 = -2 * beta * a.sech2_tanh, j22 = -2 * beta * a.z_sech2_tanh * dsigma_dp - 1;
    const Real det = j11 * j22 - j12 * j21;
    result.point = x;
    result.attracting = det > 0 && j11 + j22 < 0;
    if (std::max(std::fabs(f1), std::fabs(f2)) < tolerance) {
      result.converged = true;
      return result;
    }
    if (det == 0 || !std::isfinite(det)) return result;
    const Real dm = -(j22 * f1 - j12 * f2) / det, dp = -(-j21 * f1 + j11 * f2) / det;
    x = {x.m + dm, x.p + dp};
  }
  return result;
}

MeanFieldSolution to_solution(Real alpha, Real beta, MapPoint x, int iterations, bool converged,
                              double retrieval_threshold) {
  MeanFieldSolution s;
  s.overlap = static_cast<double>(x.m);
  s.q = static_cast<double>(1 - x.p);
  s.sigma = static_cast<double>(cross_talk_sigma(alpha, beta, x.p));
  s.susceptibility = static_cast<double>(beta * x.p);
  s.iterations = iterations;
  s.converged = converged;
  s.retrieval = converged && s.overlap > retrieval_threshold;
  return s;
}

/// Closed forms at zero noise: the retrieval state of (3.39)-(3.41), else the m = 0 state
/// (q = 1, sigma (1 - C) = sqrt(alpha) with C = sqrt(2/pi)/sigma).
MeanFieldSolution zero_noise_solution(Real alpha) {
  MeanFieldSolution s;
  s.q = 1;
  s.converged = true;
  if (alpha == 0) {
    s.overlap = 1;
    s.retrieval = true;
    return s;
  }
  if (const auto state = zero_noise_state(alpha)) {
    const Real y = state->y, m = std::erf(y), sigma = m / (kSqrt2 * y);
    s.overlap = static_cast<double>(m);
    s.sigma = static_cast<double>(sigma);
    s.susceptibility = static_cast<double>(kTwoOverSqrtPi * y * std::exp(-y * y) / m);
    s.retrieval = true;
  } else {
    const Real c_sigma = std::sqrt(2 / kPi);
    s.sigma = static_cast<double>(std::sqrt(alpha) + c_sigma);
    s.susceptibility = static_cast<double>(c_sigma / (std::sqrt(alpha) + c_sigma));
  }
  return s;
}

MeanFieldSolution small_load_solution(Real beta) {
  const Real m = small_load_overlap(beta);
  MeanFieldSolution s;
  s.overlap = static_cast<double>(m);
  s.q = static_cast<double>(m * m);
  s.susceptibility = static_cast<double>(beta * (1 - m) * (1 + m));
  s.converged = true;
  s.retrieval = m > 0;
  return s;
}

/// The m = 0 solution of (3.33), (3.38): p = 1 - q solves h(p) = <sech^2(beta sigma(p) z)> - p = 0.
/// Paramagnet (q = 0) for T >= T_g = 1 + sqrt(alpha); below T_g the spin-glass root with C < 1:
/// h(0) > 0, and h < 0 as C = beta p -> 1 (sigma -> infinity) or, for beta < 1, just below p = 1.
MeanFieldSolution zero_overlap_solution(Real alpha, Real beta, int iterations) {
  Real p = 1;
  if (beta * (1 + std::sqrt(alpha)) > 1) {
    const auto h = [&](Real trial) {
      return field_averages(beta, 0, cross_talk_sigma(alpha, beta, trial)).sech2 - trial;
    };
    const Real upper = (beta >= 1 ? 1 / beta : 1) * (1 - 1e-9L);
    const Real h_upper = h(upper);
    if (h_upper < 0) p = brent_root(h, 0, upper, h(0), h_upper, 1e-18L);  // else within 1e-9 of T_g: q ~ 0
  }
  MeanFieldSolution s = to_solution(alpha, beta, {0, p}, iterations, true, 1);
  s.retrieval = false;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Finite noise: the retrieval branch parametrised by y (see retrieval_solution in the header)

struct BranchPoint {
  Real alpha, m, p, sigma;
};

/// Points (y, alpha(y; beta)) of the solution branch at fixed beta > 1. For each y it solves
/// <tanh(s (a + z))> / s = a / beta for s = beta sigma, a = sqrt(2) y: the left side falls from
/// a (s -> 0) to below erf(y)/s, so the root lies in (0, beta erf(y) / a] (the upper end is the
/// zero-noise value). Safeguarded Newton, started from the previous point's ratio s / upper end.
class Branch {
 public:
  explicit Branch(Real beta, Real ratio_hint = 1) : beta_(beta), ratio_hint_(ratio_hint) {}

  Real ratio_hint() const { return ratio_hint_; }

  BranchPoint at(Real y) {
    const Real a = kSqrt2 * y;
    const Real zero_noise_s = beta_ * std::erf(y) / a;
    Real lower = 0, upper = zero_noise_s;
    Real s = ratio_hint_ * zero_noise_s;
    if (!(s > lower && s < upper)) s = upper;
    FieldAverages avg;
    for (int step = 0; step < 200; ++step) {
      avg = field_averages(s, a, 1);
      const Real residual = avg.tanh / s - a / beta_;
      if (residual > 0)
        lower = s;
      else
        upper = s;
      const Real derivative = ((a * avg.sech2 + avg.z_sech2) * s - avg.tanh) / (s * s);
      Real next = s - residual / derivative;
      if (!(next > lower && next < upper)) next = (lower + upper) / 2;
      if (std::fabs(next - s) <= 1e-14L * s || residual == 0) break;
      s = next;
    }
    BranchPoint point;
    point.sigma = s / beta_;
    point.m = avg.tanh;
    point.p = avg.sech2;
    const Real one_minus_c = 1 - beta_ * avg.sech2;
    point.alpha = point.sigma * point.sigma * one_minus_c * one_minus_c / (1 - avg.sech2);
    ratio_hint_ = s / zero_noise_s;
    return point;
  }

 private:
  Real beta_;
  Real ratio_hint_;
};

struct BranchPeak {
  Real y, alpha;
};

/// Maximum of alpha(y; beta) over y: walk from y_start (the zero-noise peak is at y_c = 1.511,
/// and the peak stays at y ~ 1.4-1.6 for all noise levels) until alpha falls, then Brent's
/// minimiser on -alpha. alpha(y) is single-peaked (checked on a grid of y for 0 < T < 1).
BranchPeak branch_peak(Branch& branch, Real y_start = 1.5L) {
  const auto load = [&branch](Real y) { return branch.at(y).alpha; };
  constexpr Real kFactor = 1.15L;
  Real x = y_start, fx = load(x);
  Real right = x * kFactor, f_right = load(right);
  Real left = x / kFactor;
  if (f_right > fx) {  // uphill to the right
    do {
      left = x;
      x = right;
      fx = f_right;
      right = x * kFactor;
      f_right = load(right);
    } while (f_right > fx && right < 1e6L);
  } else {
    Real f_left = load(left);
    while (f_left > fx && left > 1e-6L) {
      right = x;
      x = left;
      fx = f_left;
      left = x / kFactor;
      f_left = load(left);
    }
  }
  Real neg_max = 0;
  // y to 1e-7 relative puts the maximum value within ~1e-14 relative
  const Real y = brent_minimum([&](Real t) { return -load(t); }, left, right, x, -fx, 1e-7L, &neg_max);
  return {y, -neg_max};
}

/// alpha_c(T) at T = noise, carrying hints (peak y, s ratio) between calls at nearby noise levels.
struct LoadLimit {
  Real y_hint = 1.5L, ratio_hint = 1;
  Real operator()(Real noise) {
    if (noise >= 1) return 0;
    if (noise <= 0) return zero_noise_critical().alpha;
    Branch branch(1 / noise, ratio_hint);
    const BranchPeak peak = branch_peak(branch, y_hint);
    y_hint = peak.y;
    ratio_hint = branch.ratio_hint();
    return peak.alpha;
  }
};

/// The largest load with a retrieval solution at any noise level. In the replica-symmetric
/// theory alpha_c(T) first rises with T (the re-entrance of the retrieval boundary, an artefact
/// of replica symmetry removed by its breaking), so the maximum lies at small T > 0.
struct LoadMaximum {
  Real noise, alpha;
};

LoadMaximum load_maximum() {
  static const LoadMaximum maximum = [] {
    LoadLimit limit;
    const auto negative = [&limit](Real t) { return -limit(t); };
    // alpha_c(0.02) exceeds alpha_c(0) and alpha_c(0.1) (see the tests), so (0, 0.1) brackets it.
    Real neg_max = 0;
    const Real t = brent_minimum(negative, 0, 0.1L, 0.02L, negative(0.02L), 1e-7L, &neg_max);
    return LoadMaximum{t, -neg_max};
  }();
  return maximum;
}

struct NoiseRange {
  Real lower, upper;  // retrieval for lower < T < upper; upper = 0 when none
};

NoiseRange noise_range(Real alpha) {
  if (alpha == 0) return {0, 1};
  const LoadMaximum maximum = load_maximum();
  if (alpha >= maximum.alpha) return {0, 0};
  // Roots in sqrt(alpha_c(T)), which is nearly linear near T = 1, where alpha_c ~ ((1 - T)/1.95)^2.
  const Real root_alpha = std::sqrt(alpha), root_max = std::sqrt(maximum.alpha);
  LoadLimit limit;
  const auto excess = [&](Real t) { return std::sqrt(limit(t)) - root_alpha; };
  NoiseRange range{0, 0};
  // alpha_c(T) falls from its maximum to alpha_c(1) = 0 (3.15).
  range.upper = brent_root(excess, maximum.noise, 1, root_max - root_alpha, -root_alpha, 1e-12L);
  const Real alpha_c0 = zero_noise_critical().alpha;
  if (alpha > alpha_c0) {  // between alpha_c(0) and the maximum: re-entrant, no retrieval at small T
    LoadLimit low;
    const auto excess_low = [&](Real t) { return std::sqrt(low(t)) - root_alpha; };
    range.lower =
        brent_root(excess_low, 0, maximum.noise, std::sqrt(alpha_c0) - root_alpha, root_max - root_alpha, 1e-12L);
  }
  return range;
}

/// The retrieval root of alpha(y; beta) = alpha on the large-y side of the peak, where alpha(y)
/// falls to 0 (alpha > 0, 1 < beta < inf); std::nullopt above the peak.
std::optional<BranchPoint> branch_retrieval(Real alpha, Real beta) {
  if (beta <= 1) return std::nullopt;
  Branch branch(beta);
  const BranchPeak peak = branch_peak(branch);
  if (alpha > peak.alpha) return std::nullopt;
  const auto excess = [&](Real y) { return branch.at(y).alpha - alpha; };
  Real lower = peak.y, f_lower = peak.alpha - alpha, upper = 2 * peak.y, f_upper = excess(upper);
  while (f_upper > 0) {
    lower = upper;
    f_lower = f_upper;
    upper *= 2;
    f_upper = excess(upper);
  }
  const Real y = brent_root(excess, lower, upper, f_lower, f_upper, 1e-15L * upper);
  return branch.at(y);
}

MeanFieldSolution branch_solution(const BranchPoint& point, Real beta) {
  MeanFieldSolution s;
  s.overlap = static_cast<double>(point.m);
  s.q = static_cast<double>(1 - point.p);
  s.sigma = static_cast<double>(point.sigma);
  s.susceptibility = static_cast<double>(beta * point.p);
  s.converged = true;
  s.retrieval = true;
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

long double gaussian_average(const std::function<long double(long double)>& f, long double breakpoint,
                             long double width) {
  const auto integrand = [&f](Real z) { return std::array<Real, 1>{f(z) * kInvSqrt2Pi * std::exp(-z * z / 2)}; };
  return gaussian_integral<1>(integrand, breakpoint, width, kLongDoubleIntegrand)[0];
}

std::optional<ZeroNoiseState> zero_noise_steady_state(double alpha) {
  check_alpha(alpha);
  return zero_noise_state(alpha);
}

ZeroNoiseCriticalPoint zero_noise_critical_point() {
  const CriticalPointReal c = zero_noise_critical();
  const Real m = std::erf(c.y);
  return {static_cast<double>(c.alpha), static_cast<double>(c.y), static_cast<double>(m),
          static_cast<double>(std::erfc(c.y) / 2)};
}

double critical_load_zero_noise() { return static_cast<double>(zero_noise_critical().alpha); }

double order_parameter_small_load(double beta) {
  if (!(beta >= 0)) throw std::invalid_argument("beta must be >= 0, got " + std::to_string(beta));
  return static_cast<double>(small_load_overlap(beta));
}

MeanFieldSolution mean_field_solution(double alpha_in, double beta_in, const MeanFieldOptions& options) {
  check_alpha(alpha_in);
  check_beta(beta_in);
  if (!(options.tolerance > 0) || !(options.damping > 0 && options.damping <= 1) || options.max_iterations < 1)
    throw std::invalid_argument("MeanFieldOptions: need tolerance > 0, damping in (0, 1], max_iterations >= 1");
  const Real alpha = alpha_in, beta = beta_in;
  if (std::isinf(beta)) return zero_noise_solution(alpha);
  if (alpha == 0) return small_load_solution(beta);

  // For beta <= 1, |<tanh(beta (m + sigma z))>| < |m| for m != 0 (the slope beta <sech^2> < 1),
  // so m = 0 is the only solution whatever sigma: no retrieval at T >= 1.
  if (beta <= 1) return zero_overlap_solution(alpha, beta, 0);

  const Real tolerance = options.tolerance, damping = options.damping;
  const Real threshold = options.retrieval_threshold;
  MapPoint x{1, 0};  // m = 1, q = 1: the network started at the pattern
  Real previous_step = kInfinity;
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    const FieldAverages a = field_averages(beta, x.m, cross_talk_sigma(alpha, beta, x.p));
    const Real dm = a.tanh - x.m, dp = a.sech2 - x.p;
    const Real step = std::max(std::fabs(dm), std::fabs(dp));
    if (step < tolerance) {
      // The iteration stops within ~step / (1 - rate) of the fixed point; Newton closes the gap.
      MapPoint fixed_point{a.tanh, a.sech2};
      const NewtonResult n = newton_polish(alpha, beta, fixed_point, tolerance * 1e-2L);
      if (n.converged && std::fabs(n.point.m - fixed_point.m) < 1e3L * tolerance &&
          std::fabs(n.point.p - fixed_point.p) < 1e3L * tolerance)
        fixed_point = n.point;
      if (fixed_point.m <= threshold) return zero_overlap_solution(alpha, beta, iteration);
      return to_solution(alpha, beta, fixed_point, iteration, true, options.retrieval_threshold);
    }
    x = {x.m + damping * dm, x.p + damping * dp};
    // Left the retrieval branch: the iteration now decays to m = 0, whose q is found directly
    // (iterating the m = 0 state itself can stall near C = 1).
    if (x.m <= threshold) return zero_overlap_solution(alpha, beta, iteration);
    // Newton only as an accelerator: accept its root if the iteration is attracted to it and
    // it lies within the distance the linearly converging iteration still has to travel.
    if (step < options.newton_switch) {
      const Real rate = std::min<Real>(step / previous_step, 1 - 1e-12L);
      const Real reach = 10 * step / (1 - rate) + 1e-9L;
      const NewtonResult n = newton_polish(alpha, beta, x, tolerance * 1e-2L);
      if (n.converged && n.attracting && std::fabs(n.point.m - x.m) <= reach && std::fabs(n.point.p - x.p) <= reach)
        return to_solution(alpha, beta, n.point, iteration, true, options.retrieval_threshold);
      // Slow and no fixed point in reach: a saddle-node or its ghost, where the iteration needs
      // ~1/sqrt(distance) steps to decide. The branch solver decides and gives the fixed point.
      const std::optional<BranchPoint> point = branch_retrieval(alpha, beta);
      if (!point) return zero_overlap_solution(alpha, beta, iteration);
      const NewtonResult polished = newton_polish(alpha, beta, {point->m, point->p}, tolerance * 1e-2L);
      if (polished.converged)
        return to_solution(alpha, beta, polished.point, iteration, true, options.retrieval_threshold);
      MeanFieldSolution s = branch_solution(*point, beta);
      s.iterations = iteration;
      return s;
    }
    previous_step = step;
  }
  return to_solution(alpha, beta, x, options.max_iterations, false, options.retrieval_threshold);
}

std::optional<MeanFieldSolution> retrieval_solution(double alpha_in, double beta_in) {
  check_alpha(alpha_in);
  check_beta(beta_in);
  const Real alpha = alpha_in, beta = beta_in;
  if (std::isinf(beta)) {
    MeanFieldSolution s = zero_noise_solution(alpha);
    if (!s.retrieval) return std::nullopt;
    return s;
  }
  if (alpha == 0) {
    MeanFieldSolution s = small_load_solution(beta);
    if (!s.retrieval) return std::nullopt;
    return s;
  }
  const std::optional<BranchPoint> point = branch_retrieval(alpha, beta);
  if (!point) return std::nullopt;
  return branch_solution(*point, beta);
}

double retrieval_load_limit(double beta) {
  check_beta(beta);
  return static_cast<double>(LoadLimit{}(1 / static_cast<Real>(beta)));
}

RetrievalLoadMaximum retrieval_load_maximum() {
  const LoadMaximum maximum = load_maximum();
  return {static_cast<double>(maximum.alpha), static_cast<double>(maximum.noise)};
}

RetrievalNoiseRange retrieval_noise_range(double alpha) {
  check_alpha(alpha);
  const NoiseRange range = noise_range(alpha);
  return {static_cast<double>(range.lower), static_cast<double>(range.upper)};
}

double critical_noise(double alpha) { return retrieval_noise_range(alpha).upper; }

std::vector<double> retrieval_boundary(std::span<const double> alphas) {
  std::vector<double> noise;
  noise.reserve(alphas.size());
  for (const double alpha : alphas) noise.push_back(critical_noise(alpha));
  return noise;
}

}  // namespace nnsim::hopfield
