// --experiment theory: the mean-field curves of Chapters 2-3 without simulation.

#include <cmath>
#include <limits>

#include "core/grid.hpp"
#include "experiments.hpp"
#include "hopfield/mean_field.hpp"
#include "hopfield/theory.hpp"

namespace nnsim::hopfield_app {

namespace hf = nnsim::hopfield;

int run_theory(const HopfieldOptions& o, const CommonOptions& common, const ParsedOptions& parsed,
               const po::options_description& all, const MpiEnvironment& mpi) {
  const auto alphas = parse_real_grid(o.alpha, "alpha");
  for (const auto a : alphas) require(a > 0 && a <= 10, "alpha", "in (0, 10]", a);
  const auto noise = parse_real_grid(o.noise, "noise");
  for (const double t : noise) require(t > 0 && t <= 100, "noise", "in (0, 100] (1/beta)", t);
  auto curves = [alphas, noise] {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> one_step, steady_m, steady_err, small_load, boundary;
    for (const double a : alphas) {
      one_step.push_back(hf::one_step_error_book(a));
      const auto s = hf::zero_noise_steady_state(a);
      steady_m.push_back(s ? s->overlap : nan);
      steady_err.push_back(s ? s->error : nan);
    }
    boundary = hf::retrieval_boundary(alphas);
    for (const double t : noise) small_load.push_back(hf::order_parameter_small_load(1.0 / t));
    const auto critical = hf::zero_noise_critical_point();
    return std::vector<TheoryCurve>{
        {"one_step_error", "alpha", alphas, one_step, "large-N one-step error probability",
         "(2.39): (1/2)[1 - erf(sqrt(1/(2 alpha)))]", "load alpha = p/N", "1"},
        {"final_overlap", "alpha", alphas, steady_m,
         "zero-noise steady-state overlap of the retrieval solution; NaN above alpha_c",
         "(3.39)-(3.41): y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)) = erf(y), m_1 = erf(y)", "load alpha = p/N"},
        {"steady_state_error", "alpha", alphas, steady_err, "zero-noise steady-state error; NaN above alpha_c",
         "(3.18): (1 - m_1)/2", "load alpha = p/N", "1"},
        {"boundary", "alpha", alphas, boundary,
         "retrieval boundary: largest noise 1/beta with a retrieval solution; 0 where there is none at any noise "
         "(alpha > 0.1381885, the maximum of the re-entrant replica-symmetric boundary)",
         "(3.26), (3.33), (3.38)", "load alpha = p/N"},
        {"overlap_small_load", "noise", noise, small_load, "alpha -> 0 order parameter", "(3.14): m_1 = tanh(beta m_1)",
         "noise level 1/beta"},
        {"critical_load", "quantity", {0.0, 1.0}, {critical.alpha, critical.overlap},
         "zero-noise critical load alpha_c and the overlap m_1 at it (replica symmetric)",
         "(3.42): largest alpha with a solution y > 0 of (3.40)", "0 = alpha_c, 1 = m_1(alpha_c)"}};
  };
  return write_theory_only("nnsim-hopfield", "theory", curves, common, parsed, all, mpi);
}

}  // namespace nnsim::hopfield_app
