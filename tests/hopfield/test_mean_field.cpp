#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "hopfield/mean_field.hpp"

using namespace nnsim::hopfield;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr long double kTwoOverSqrtPi = 1.128379167095512573896158903121545172L;

// Reference values of (3.39)-(3.42) computed independently with mpmath at 40 digits
// (findroot on the same equations).
constexpr double kAlphaC = 0.13790556649493173784;  // (3.42)
constexpr double kYC = 1.5112185563276565764;
constexpr double kOverlapC = 0.96741711568529159198;

// g(y) of (3.39)-(3.41) and its derivative, in long double.
long double g(long double alpha, long double y) {
  return std::erf(y) - y * (std::sqrt(2 * alpha) + kTwoOverSqrtPi * std::exp(-y * y));
}
long double g_prime(long double alpha, long double y) {
  return 2 * kTwoOverSqrtPi * y * y * std::exp(-y * y) - std::sqrt(2 * alpha);
}

// <f(beta (m + sigma z))> with the step of tanh marked for the integrator.
long double field_average(long double (*f)(long double), double beta, double m, double sigma) {
  const long double b = beta, mm = m, s = sigma;
  return gaussian_average([&](long double z) { return f(b * (mm + s * z)); }, -mm / s, 1 / (b * s));
}
long double tanh_of(long double x) { return std::tanh(x); }
long double tanh_squared_of(long double x) { return std::tanh(x) * std::tanh(x); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Zero noise, (3.39)-(3.42)

// The book's table of m_1 (shared/reference/book-values.md), to the digits quoted, and the
// mpmath values to 1e-14.
TEST(MeanFieldZeroNoise, BookTableOfOverlaps) {
  struct Row {
    double alpha, book, exact;
  };
  for (const Row r : {Row{0.10, 0.99800, 0.99799926634729915556}, Row{0.12, 0.99322, 0.99322273176570564191},
                      Row{0.13, 0.98721, 0.98721189079923465440}, Row{0.137, 0.97544, 0.97544412942734725545}}) {
    const auto state = zero_noise_steady_state(r.alpha);
    ASSERT_TRUE(state.has_value()) << r.alpha;
    EXPECT_NEAR(state->overlap, r.book, 5e-6) << r.alpha;
    EXPECT_NEAR(state->overlap, r.exact, 1e-14) << r.alpha;
    EXPECT_NEAR(state->error, (1 - r.exact) / 2, 1e-15) << r.alpha;  // (3.18)
  }
}

// (3.42): alpha_c = 0.137906 and m_1 = 0.9674 (1.63 % wrong bits) at alpha_c. The solver gets
// all 16 digits of the mpmath value.
TEST(MeanFieldZeroNoise, CriticalLoadAndOverlap) {
  const ZeroNoiseCriticalPoint c = zero_noise_critical_point();
  EXPECT_NEAR(c.alpha, 0.137906, 5e-7);
  EXPECT_NEAR(c.alpha, kAlphaC, 1e-16);
  EXPECT_EQ(critical_load_zero_noise(), c.alpha);
  EXPECT_NEAR(c.y, kYC, 1e-15);
  EXPECT_NEAR(c.overlap, 0.9674, 5e-5);
  EXPECT_NEAR(c.overlap, kOverlapC, 1e-15);
  EXPECT_NEAR(100 * c.error, 1.63, 0.005);
  // saddle-node: g and g' vanish together there
  EXPECT_NEAR(static_cast<double>(g(c.alpha, c.y)), 0.0, 1e-15);
  EXPECT_NEAR(static_cast<double>(g_prime(c.alpha, c.y)), 0.0, 1e-14);
}

// The retrieval root exists just below alpha_c and not just above, and merges with the unstable
// root at y_c: |y - y_c| ~ sqrt(alpha_c - alpha).
TEST(MeanFieldZeroNoise, RootDisappearsAtCriticalLoad) {
  const auto below = zero_noise_steady_state(kAlphaC * (1 - 1e-12));
  ASSERT_TRUE(below.has_value());
  EXPECT_NEAR(below->y, kYC, 1e-4);
  EXPECT_NEAR(below->overlap, kOverlapC, 1e-5);
  EXPECT_FALSE(zero_noise_steady_state(kAlphaC * (1 + 1e-12)).has_value());
}

TEST(MeanFieldZeroNoise, NoRetrievalAboveCriticalLoad) {
  for (const double alpha : {0.138, 0.14, 0.2, 0.5, 1.0, 10.0}) {
    EXPECT_FALSE(zero_noise_steady_state(alpha).has_value()) << alpha;
    EXPECT_FALSE(retrieval_solution(alpha, kInf).has_value()) << alpha;
    const MeanFieldSolution s = mean_field_solution(alpha, kInf);
    EXPECT_FALSE(s.retrieval) << alpha;
    EXPECT_EQ(s.overlap, 0.0);
  }
}

// The returned y solves (3.39)-(3.41) and is its largest root: g < 0 beyond it (g -> -inf).
TEST(MeanFieldZeroNoise, RootIsLargestSolutionOfTheYEquation) {
  for (const double alpha : {1e-3, 0.01, 0.05, 0.1, 0.13, 0.1379}) {
    const auto state = zero_noise_steady_state(alpha);
    ASSERT_TRUE(state.has_value()) << alpha;
    EXPECT_NEAR(static_cast<double>(g(alpha, state->y)), 0.0, 1e-16) << alpha;
    EXPECT_NEAR(state->overlap, std::erf(state->y), 1e-16);  // (3.41)
    for (const double factor : {1.001, 1.1, 2.0, 10.0}) EXPECT_LT(g(alpha, state->y * factor), 0) << alpha;
    EXPECT_GT(g(alpha, state->y * 0.999), 0) << alpha;
  }
  EXPECT_EQ(zero_noise_steady_state(0.0)->overlap, 1.0);
}

// ---------------------------------------------------------------------------------------------
// Gaussian averages

TEST(MeanFieldQuadrature, ClosedForms) {
  EXPECT_NEAR(static_cast<double>(gaussian_average([](long double) { return 1.0L; })), 1.0, 1e-16);
  EXPECT_NEAR(static_cast<double>(gaussian_average([](long double z) { return z * z; })), 1.0, 1e-16);
  EXPECT_NEAR(static_cast<double>(gaussian_average([](long double z) { return z * z * z * z; })), 3.0, 1e-15);
  EXPECT_NEAR(static_cast<double>(gaussian_average([](long double z) { return z * z * z; })), 0.0, 1e-16);
  // <exp(t z)> = exp(t^2/2); the integrand peaks at z = t, so the cut at |z| = 10 removes the
  // relative weight P(N(t, 1) > 10) = erfc((10 - t)/sqrt 2)/2: the only error left.
  for (const long double t : {0.5L, 1.0L, 2.0L, 3.0L, 4.0L}) {
    const long double value = gaussian_average([t](long double z) { return std::exp(t * z); });
    const long double truncated = std::erfc((10 - t) / std::sqrt(2.0L)) / 2;
    EXPECT_NEAR(static_cast<double>(value / std::exp(t * t / 2) - 1 + truncated), 0.0, 1e-15) << static_cast<double>(t);
  }
  // b = 0: <tanh(a)> = tanh(a); a = 0: odd integrand
  EXPECT_NEAR(static_cast<double>(gaussian_average([](long double) { return std::tanh(0.7L); })), std::tanh(0.7),
              1e-16);
  EXPECT_NEAR(static_cast<double>(gaussian_average([](long double z) { return std::tanh(3 * z); })), 0.0, 1e-17);
}

// A tanh step far narrower than the nodes, x = beta (a + b z) = k (z - z0) with k = beta b,
// z0 = -a/b, r = a/b. Expanding phi about z0 (odd and even moments of tanh - sgn and sech^2):
//   <tanh x> = erf(r / sqrt 2) - r phi(r) pi^2 / (12 k^2) + O(k^-4),
//   k <sech^2 x> = 2 phi(r) + (r^2 - 1) phi(r) pi^2 / (12 k^2) + O(k^-4),
// and Stein's identity <z tanh x> = k <sech^2 x> holds exactly. The sech^2 spike (the
// C = beta (1 - q) of the solvers) is missed entirely without the breakpoint and width.
TEST(MeanFieldQuadrature, SteepStep) {
  const long double a = 0.9L, b = 0.4L, r = a / b;
  const long double phi = std::exp(-r * r / 2) / std::sqrt(2 * std::numbers::pi_v<long double>);
  const long double pi2_12 = std::numbers::pi_v<long double> * std::numbers::pi_v<long double> / 12;
  for (const long double beta : {1e4L, 1e6L}) {
    const long double k = beta * b, z0 = -r, width = 1 / k;
    const auto tanh_step = [&](long double z) { return std::tanh(beta * (a + b * z)); };
    const auto sech2_spike = [&](long double z) {
      const long double t = std::tanh(beta * (a + b * z));
      return k * (1 - t) * (1 + t);
    };
    const long double step = gaussian_average(tanh_step, z0, width);
    // the O(k^-4) remainder is 1.4e-16 at k = 4e3
    EXPECT_NEAR(static_cast<double>(step - std::erf(r / std::sqrt(2.0L)) + r * phi * pi2_12 / (k * k)), 0.0, 1e-15);
    const long double spike = gaussian_average(sech2_spike, z0, width);
    EXPECT_NEAR(static_cast<double>(spike - 2 * phi - (r * r - 1) * phi * pi2_12 / (k * k)), 0.0, 1e-15);
    const long double z_tanh = gaussian_average([&](long double z) { return z * tanh_step(z); }, z0, width);
    EXPECT_NEAR(static_cast<double>(z_tanh / spike - 1), 0.0, 1e-15);
    EXPECT_LT(static_cast<double>(gaussian_average(sech2_spike, z0, 0)), 1e-3);  // no width: missed
  }
}

// ---------------------------------------------------------------------------------------------
// Small load, (3.14)-(3.15)

TEST(MeanFieldSmallLoad, TanhFixedPointMatchesDirectIteration) {
  for (const double beta : {1.5, 2.0, 4.0}) {
    long double m = 1;  // contraction with rate beta (1 - m^2) < 1 at the fixed point
    for (int i = 0; i < 20000; ++i) m = std::tanh(beta * m);
    const double solved = order_parameter_small_load(beta);
    EXPECT_NEAR(solved, static_cast<double>(m), 1e-15) << beta;
    EXPECT_NEAR(solved, std::tanh(beta * solved), 1e-15) << beta;
  }
  EXPECT_NEAR(order_parameter_small_load(2.0), 0.95750402407726894, 1e-15);
}

// (3.15): critical noise 1/beta_c = 1, and m^2 = 3 (beta - 1) / beta^3 just above beta_c.
TEST(MeanFieldSmallLoad, CriticalNoiseIsOne) {
  for (const double beta : {0.5, 0.99, 1.0}) EXPECT_EQ(order_parameter_small_load(beta), 0.0) << beta;
  const double beta = 1 + 1e-6;
  const double m = order_parameter_small_load(beta);
  EXPECT_NEAR(m * m / (3 * (beta - 1) / (beta * beta * beta)), 1.0, 1e-5);
  EXPECT_EQ(order_parameter_small_load(kInf), 1.0);
}

// ---------------------------------------------------------------------------------------------
// Finite noise, (3.26), (3.33), (3.38)

// The solution satisfies the three equations as the book writes them, checked with the
// long double integrator (the solver evaluates its integrands in double).
TEST(MeanFieldFiniteNoise, SolutionSatisfiesTheEquations) {
  struct Point {
    double alpha, beta;
  };
  for (const Point pt : {Point{0.05, 2.0}, Point{0.1, 5.0}, Point{0.001, 1.1}, Point{0.13, 100.0}}) {
    const MeanFieldSolution s = mean_field_solution(pt.alpha, pt.beta);
    ASSERT_TRUE(s.converged && s.retrieval) << pt.alpha << " " << pt.beta;
    EXPECT_NEAR(static_cast<double>(field_average(tanh_of, pt.beta, s.overlap, s.sigma)), s.overlap, 1e-14);
    EXPECT_NEAR(static_cast<double>(field_average(tanh_squared_of, pt.beta, s.overlap, s.sigma)), s.q, 1e-14);
    const double c = pt.beta * (1 - s.q);
    EXPECT_NEAR(s.susceptibility, c, 1e-13 * pt.beta);
    EXPECT_NEAR(s.sigma * s.sigma * (1 - s.susceptibility) * (1 - s.susceptibility), pt.alpha * s.q, 1e-15);
  }
}

// Two independent routes to the retrieval solution: the iteration from m = 1 (with Newton's
// acceleration; and the plain iteration, polished only at the end) and the root on the branch
// parametrised by y. Same existence, same m, q and sigma.
TEST(MeanFieldFiniteNoise, IterationAgreesWithBranchSolver) {
  MeanFieldOptions plain;
  plain.newton_switch = 0;
  int retrieval_points = 0;
  for (const double alpha : {0.001, 0.02, 0.06, 0.1, 0.125, 0.137}) {
    for (const double noise : {0.05, 0.2, 0.4, 0.6, 0.8, 0.95}) {
      const MeanFieldSolution it = mean_field_solution(alpha, 1 / noise);
      const auto branch = retrieval_solution(alpha, 1 / noise);
      ASSERT_TRUE(it.converged) << alpha << " " << noise;
      ASSERT_EQ(it.retrieval, branch.has_value()) << alpha << " " << noise;
      if (!branch) continue;
      ++retrieval_points;
      EXPECT_NEAR(it.overlap, branch->overlap, 2e-14) << alpha << " " << noise;
      EXPECT_NEAR(it.q, branch->q, 2e-14) << alpha << " " << noise;
      EXPECT_NEAR(it.sigma, branch->sigma, 2e-14) << alpha << " " << noise;
      const MeanFieldSolution slow = mean_field_solution(alpha, 1 / noise, plain);  // polished at the end only
      EXPECT_NEAR(slow.overlap, branch->overlap, 2e-14) << alpha << " " << noise;
    }
  }
  EXPECT_GE(retrieval_points, 12);  // both phases are sampled
  EXPECT_LE(retrieval_points, 30);
}

// beta -> inf reduces to (3.39)-(3.41); the difference is linear in T = 1/beta.
TEST(MeanFieldFiniteNoise, LargeBetaReducesToZeroNoise) {
  for (const double alpha : {0.1, 0.137}) {
    const auto zero = zero_noise_steady_state(alpha);
    ASSERT_TRUE(zero.has_value());
    const MeanFieldSolution s4 = mean_field_solution(alpha, 1e4), s5 = mean_field_solution(alpha, 1e5);
    const MeanFieldSolution s6 = mean_field_solution(alpha, 1e6);
    ASSERT_TRUE(s4.retrieval && s5.retrieval && s6.retrieval);
    EXPECT_NEAR(s4.overlap, zero->overlap, 1e-5) << alpha;
    EXPECT_NEAR(s6.overlap, zero->overlap, 1e-7) << alpha;
    EXPECT_NEAR((s5.overlap - zero->overlap) / (s6.overlap - zero->overlap), 10.0, 0.1) << alpha;
    const MeanFieldSolution limit = mean_field_solution(alpha, kInf);
    EXPECT_NEAR(s6.sigma, limit.sigma, 1e-6);
    EXPECT_NEAR(s6.susceptibility, limit.susceptibility, 1e-5);
    EXPECT_NEAR(s6.q, 1.0, 1e-6);
  }
}

// alpha -> 0 reduces to m = tanh(beta m) (3.14); the shift is linear in alpha.
TEST(MeanFieldFiniteNoise, SmallLoadReducesToTanhEquation) {
  for (const double beta : {1.5, 2.0, 4.0}) {
    const double m0 = order_parameter_small_load(beta);
    EXPECT_EQ(mean_field_solution(0.0, beta).overlap, m0);
    const MeanFieldSolution tiny = mean_field_solution(1e-12, beta), small = mean_field_solution(1e-8, beta);
    ASSERT_TRUE(tiny.retrieval && small.retrieval);
    EXPECT_NEAR(tiny.overlap, m0, 1e-11) << beta;
    EXPECT_NEAR((small.overlap - m0) / (tiny.overlap - m0), 1e4, 10.0) << beta;
  }
}

// Beyond the boundary the iteration decays to m = 0; q is then that of the m = 0 state:
// q = <tanh^2(beta sigma z)>, sigma^2 = alpha q / (1 - beta (1 - q))^2 (spin glass below
// T_g = 1 + sqrt(alpha), paramagnet q = 0 above).
TEST(MeanFieldFiniteNoise, NoRetrievalBeyondBoundaryGivesZeroOverlapState) {
  struct Point {
    double alpha, beta;
  };
  for (const Point pt : {Point{0.13, 2.0}, Point{0.05, 1.2}, Point{0.01, 0.95}, Point{0.1, 2.5}}) {
    const MeanFieldSolution s = mean_field_solution(pt.alpha, pt.beta);
    EXPECT_TRUE(s.converged);
    EXPECT_FALSE(s.retrieval) << pt.alpha << " " << pt.beta;
    EXPECT_EQ(s.overlap, 0.0);
    EXPECT_GT(s.q, 0.01);
    EXPECT_NEAR(static_cast<double>(field_average(tanh_squared_of, pt.beta, 0.0, s.sigma)), s.q, 1e-13);
    EXPECT_NEAR(s.sigma * s.sigma * (1 - pt.beta * (1 - s.q)) * (1 - pt.beta * (1 - s.q)), pt.alpha * s.q, 1e-13);
    EXPECT_FALSE(retrieval_solution(pt.alpha, pt.beta).has_value());
  }
  const MeanFieldSolution para = mean_field_solution(0.01, 0.8);  // T = 1.25 > T_g = 1.1
  EXPECT_EQ(para.q, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Retrieval boundary (Fig. 3.5)

// T_c -> 1 as alpha -> 0 like 1 - 1.95 sqrt(alpha) (Amit, Gutfreund & Sompolinsky 1987); the
// coefficient comes out as 1.9541 at alpha = 1e-8.
TEST(MeanFieldBoundary, SmallLoadAsymptotics) {
  EXPECT_EQ(critical_noise(0.0), 1.0);
  EXPECT_NEAR((1 - critical_noise(1e-8)) / 1e-4, 1.954, 0.002);
  const double t = critical_noise(0.001);
  EXPECT_NEAR(t, 1 - 1.95 * std::sqrt(0.001), 1e-3);  // 0.93781 against 0.93834
  EXPECT_LT(t, 1.0);
}

TEST(MeanFieldBoundary, DecreasingInAlphaAndZeroBeyondTheMaximum) {
  const std::vector<double> alphas = {1e-6, 1e-4, 0.001, 0.01, 0.05, 0.1, 0.13, 0.137, 0.138, 0.14, 0.2};
  const std::vector<double> noise = retrieval_boundary(alphas);
  ASSERT_EQ(noise.size(), alphas.size());
  for (std::size_t i = 1; i < alphas.size(); ++i) {
    if (noise[i - 1] > 0) {
      EXPECT_LT(noise[i], noise[i - 1]) << alphas[i];
    }
  }
  EXPECT_GT(noise[0], 0.99);
  EXPECT_NEAR(noise[6], 0.148918888, 1e-8);  // alpha = 0.13: small but positive
  EXPECT_GT(noise[8], 0.0);                  // 0.138 > alpha_c(0): re-entrant sliver
  EXPECT_EQ(noise[9], 0.0);                  // 0.14
  EXPECT_EQ(noise[10], 0.0);
}

// The plain iteration from m = 1 (no Newton, no branch solver) retrieves just below T_c and
// decays to m = 0 just above: the boundary is where the book's procedure changes its answer.
TEST(MeanFieldBoundary, PlainIterationChangesAnswerAtCriticalNoise) {
  MeanFieldOptions plain;
  plain.newton_switch = 0;
  for (const double alpha : {0.01, 0.1}) {
    const double t_c = critical_noise(alpha);
    const MeanFieldSolution below = mean_field_solution(alpha, 1 / (t_c - 2e-3), plain);
    const MeanFieldSolution above = mean_field_solution(alpha, 1 / (t_c + 2e-3), plain);
    EXPECT_TRUE(below.converged && below.retrieval) << alpha;
    EXPECT_TRUE(above.converged && !above.retrieval) << alpha;
    EXPECT_GT(below.overlap, 0.5) << alpha;  // first order: m jumps from a finite value to 0
  }
}

// Within 1e-8 of T_c the plain iteration would need ~1e4 steps to decide (critical slowing down
// at the saddle-node, a long plateau at its ghost); the solver hands over to the branch solver
// once Newton finds no fixed point in reach, and still answers correctly and fast.
TEST(MeanFieldBoundary, IterationNearCriticalNoiseDefersToBranch) {
  const double alpha = 0.05, t_c = critical_noise(alpha);
  const MeanFieldSolution below = mean_field_solution(alpha, 1 / (t_c - 1e-8));
  const MeanFieldSolution above = mean_field_solution(alpha, 1 / (t_c + 1e-8));
  ASSERT_TRUE(below.converged && below.retrieval);
  EXPECT_NEAR(below.overlap, retrieval_solution(alpha, 1 / (t_c - 1e-8))->overlap, 1e-9);
  EXPECT_GT(below.overlap, 0.8);
  EXPECT_TRUE(above.converged);
  EXPECT_FALSE(above.retrieval);
  EXPECT_LT(below.iterations + above.iterations, 1000);
}

// Replica symmetry makes the boundary re-entrant: alpha_c(T) rises from alpha_c(0) = 0.137906,
// peaks at 0.13819 near T = 0.023, then falls. At alpha = 0.13795 the plain iteration finds the
// retrieval state at T = 0.01 but not at T = 0.0005 nor at T = 0.
TEST(MeanFieldBoundary, ReentranceNearCriticalLoad) {
  const RetrievalLoadMaximum peak = retrieval_load_maximum();
  EXPECT_NEAR(peak.alpha, 0.13818851116466, 1e-13);
  EXPECT_NEAR(peak.noise, 0.0228735519, 1e-7);  // alpha_c(T) is flat there: T to ~1e-8
  EXPECT_EQ(retrieval_load_limit(kInf), critical_load_zero_noise());
  EXPECT_GT(retrieval_load_limit(1e3), kAlphaC);
  EXPECT_NEAR(retrieval_load_limit(1e6), kAlphaC, 1e-6);
  EXPECT_EQ(retrieval_load_limit(1.0), 0.0);

  const double alpha = 0.13795;
  const RetrievalNoiseRange range = retrieval_noise_range(alpha);
  EXPECT_NEAR(range.lower, 0.00187, 1e-5);
  EXPECT_NEAR(range.upper, 0.04395, 1e-5);
  MeanFieldOptions plain;
  plain.newton_switch = 0;
  EXPECT_TRUE(mean_field_solution(alpha, 100, plain).retrieval);
  EXPECT_FALSE(mean_field_solution(alpha, 2000, plain).retrieval);
  EXPECT_FALSE(mean_field_solution(alpha, kInf).retrieval);
  EXPECT_EQ(retrieval_noise_range(0.1).lower, 0.0);
  EXPECT_EQ(retrieval_noise_range(0.139).upper, 0.0);
}

// ---------------------------------------------------------------------------------------------

TEST(MeanFieldArguments, OutOfRangeThrows) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(zero_noise_steady_state(-0.1), std::invalid_argument);
  EXPECT_THROW(zero_noise_steady_state(nan), std::invalid_argument);
  EXPECT_THROW(mean_field_solution(0.1, 0.0), std::invalid_argument);
  EXPECT_THROW(mean_field_solution(0.1, nan), std::invalid_argument);
  EXPECT_THROW(mean_field_solution(-1.0, 2.0), std::invalid_argument);
  MeanFieldOptions bad;
  bad.damping = 0;
  EXPECT_THROW(mean_field_solution(0.1, 2.0, bad), std::invalid_argument);
  EXPECT_THROW(retrieval_solution(0.1, -2.0), std::invalid_argument);
  EXPECT_THROW(critical_noise(nan), std::invalid_argument);
  EXPECT_THROW(order_parameter_small_load(-1.0), std::invalid_argument);
}
