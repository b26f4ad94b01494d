// nnsim-hopfield: Hopfield-network ensembles (the book's Chapters 2-3).
//   --experiment one-step   one-step error probability against (N, alpha), Section 2.4.

#include <cmath>
#include <iostream>
#include <sstream>

#include "core/grid.hpp"
#include "core/log.hpp"
#include "core/options.hpp"
#include "ensemble/driver.hpp"
#include "hopfield/one_step.hpp"
#include "hopfield/theory.hpp"

namespace {

using namespace nnsim;
namespace hf = nnsim::hopfield;

constexpr const char* kProgram = "nnsim-hopfield";

struct HopfieldOptions {
  std::string experiment = "one-step";
  std::string neurons = "1000";
  std::string alpha = "0.05:0.5:0.05";
  std::uint64_t samples = 100;
  std::uint64_t patterns_per_sample = 0;
  std::string diagonal = "zero";
};

po::options_description hopfield_options(HopfieldOptions& o) {
  po::options_description d("Hopfield network");
  // clang-format off
  d.add_options()
    ("experiment", po::value(&o.experiment)->default_value(o.experiment),
     "which experiment: one-step (one-step error probability, Section 2.4)")
    ("N", po::value(&o.neurons)->default_value(o.neurons)->value_name("LIST"),
     "numbers of neurons, a list or range (e.g. 1000,4000 or 1000:8000:1000); each >= 2")
    ("alpha", po::value(&o.alpha)->default_value(o.alpha)->value_name("GRID"),
     "loads alpha = p/N, a list or range start:stop:step; each in (0, 10]; p = round(alpha N) >= 1")
    ("samples", po::value(&o.samples)->default_value(o.samples),
     "independent samples (fresh random patterns) per (N, alpha) point, >= 1")
    ("patterns-per-sample", po::value(&o.patterns_per_sample)->default_value(o.patterns_per_sample)->value_name("K"),
     "one-step: feed only the first K of the p stored patterns (0 = all); all N bits of each are checked")
    ("diagonal", po::value(&o.diagonal)->default_value(o.diagonal),
     "Hebb's rule with w_ii = 0 (zero, the book's (2.26)) or w_ii = p/N kept (keep, (2.25))");
  // clang-format on
  return d;
}

struct Point {
  std::int64_t neurons;
  double alpha;
  std::int64_t patterns;
};

std::vector<Point> make_points(const HopfieldOptions& o) {
  const auto neurons = parse_integer_grid(o.neurons, "N");
  const auto alphas = parse_real_grid(o.alpha, "alpha");
  for (const auto n : neurons) require(n >= 2 && n <= 100'000'000, "N", "an integer in [2, 1e8]", n);
  for (const auto a : alphas) require(a > 0 && a <= 10, "alpha", "in (0, 10]", a);
  std::vector<Point> points;
  for (const auto n : neurons) {
    for (const auto a : alphas) {
      const auto p = static_cast<std::int64_t>(std::llround(a * static_cast<double>(n)));
      if (p < 1) {
        std::ostringstream message;
        message.precision(10);
        message << "--alpha " << a << " with --N " << n << " gives p = round(alpha N) = 0 patterns; alpha must be at least "
                << 0.5 / static_cast<double>(n) << " (0.5/N)";
        throw UsageError(message.str());
      }
      points.push_back({n, a, p});
    }
  }
  return points;
}

GriddedExperiment one_step_experiment(const HopfieldOptions& o, const CommonOptions& common) {
  const auto points = make_points(o);
  const hf::Diagonal diagonal = o.diagonal == "keep" ? hf::Diagonal::kKeep : hf::Diagonal::kZero;
  const std::uint64_t seed = common.seed;
  const std::uint64_t per_sample = o.patterns_per_sample;
  auto checked = [per_sample](const Point& pt) {
    return per_sample == 0 ? pt.patterns : std::min<std::int64_t>(pt.patterns, static_cast<std::int64_t>(per_sample));
  };

  GriddedExperiment e;
  e.program = kProgram;
  e.experiment = "one-step";
  e.spec.num_points = points.size();
  e.spec.samples_per_point = o.samples;
  e.spec.observables = {"one_step_error"};
  e.spec.cost = [points, checked](std::uint64_t i) {
    const auto& pt = points[i];
    return static_cast<double>(pt.neurons) * static_cast<double>(pt.patterns) * static_cast<double>(checked(pt));
  };
  e.spec.run = [points, checked, seed, diagonal](const Task& task, const CancelFlag&) {
    const auto& pt = points[task.point];
    auto rng = make_stream(seed, task.point, task.sample, /*stream=*/0);
    const auto patterns = hf::PatternSet::random(static_cast<std::size_t>(pt.patterns),
                                                 static_cast<std::size_t>(pt.neurons), rng);
    const auto count = hf::count_one_step_errors(patterns, static_cast<std::size_t>(checked(pt)), diagonal);
    return std::vector<double>{count.error_rate()};
  };

  std::vector<std::int64_t> n_col, p_col, k_col;
  std::vector<double> alpha_col;
  for (const auto& pt : points) {
    n_col.push_back(pt.neurons);
    alpha_col.push_back(pt.alpha);
    p_col.push_back(pt.patterns);
    k_col.push_back(checked(pt));
  }
  e.points = {
      {"N", n_col, "number of neurons N", "1"},
      {"alpha", alpha_col, "load alpha = p/N as requested (p is rounded, see /points/p)", "dimensionless"},
      {"p", p_col, "number of stored random patterns p = round(alpha N)", "1"},
      {"patterns_checked", k_col, "patterns fed per sample; all N bits of each are updated once", "1"},
  };
  const std::string rule = diagonal == hf::Diagonal::kZero ? "(2.26), w_ii = 0" : "(2.25), w_ii = p/N";
  e.observables = {{"one_step_error",
                    "fraction of bits i of fed patterns nu with sgn(b_i) != x_i^nu after one update, b_i = sum_j w_ij "
                    "x_j^nu, Hebb's rule " + rule + ", sgn(0) = +1",
                    "P_error(t=1) = <1[sgn(b_i) != x_i^nu]>, Section 2.4", "dimensionless (probability)"}};
  e.theory = [points, diagonal] {
    std::vector<double> book, exact;
    for (const auto& pt : points) {
      book.push_back(hf::one_step_error_book(static_cast<double>(pt.patterns) / static_cast<double>(pt.neurons)));
      exact.push_back(hf::one_step_error_exact(static_cast<std::uint64_t>(pt.neurons),
                                               static_cast<std::uint64_t>(pt.patterns), diagonal));
    }
    return std::vector<TheoryColumn>{
        {"one_step_error", book,
         "large-N theory at alpha = p/N (p as rounded); cross-talk Gaussian with variance alpha",
         "(2.39): P_error(t=1) = (1/2) [1 - erf(sqrt(1/(2 alpha)))]", "dimensionless (probability)"},
        {"one_step_error_exact", exact,
         "exact finite-N value for random patterns: the cross-talk C is 2K - M with K ~ Binomial(M, 1/2), "
         "M = (N-1)(p-1); see README",
         "P = P(C < -T) + P(C = -T)/2, T = N-1 for (2.26) (T = N+p-1 for (2.25))", "dimensionless (probability)"}};
  };
  return e;
}

int run(const MpiEnvironment& mpi, int argc, char** argv) {
  CommonOptions common;
  HopfieldOptions hopfield;
  po::options_description all;
  all.add(hopfield_options(hopfield)).add(common_options(common, "nnsim-hopfield.h5"));
  const auto parsed = parse_options(argc, argv, all);
  if (parsed.help) {
    if (mpi.rank() == 0) {
      std::cout << help_text(kProgram,
                             "Hopfield-network ensembles: random patterns stored with Hebb's rule, one-step\n"
                             "error probability against (N, alpha) compared with the book's (2.39) and the exact\n"
                             "finite-N value. Runs under mpirun; results do not depend on ranks or threads.",
                             all);
    }
    return kExitOk;
  }
  require(hopfield.experiment == "one-step", "experiment", "one of: one-step", hopfield.experiment);
  require(hopfield.diagonal == "zero" || hopfield.diagonal == "keep", "diagonal", "zero or keep", hopfield.diagonal);
  require(hopfield.samples >= 1 && hopfield.samples <= 1'000'000'000, "samples", "an integer in [1, 1e9]",
          hopfield.samples);
  require(common.threads >= 1 && common.threads <= 1024, "threads", "an integer in [1, 1024]", common.threads);
  require(common.time_limit >= 0, "time-limit", ">= 0 seconds", common.time_limit);
  require(common.checkpoint_interval > 0, "checkpoint-interval", "> 0 seconds", common.checkpoint_interval);
  require(!common.output.empty(), "output", "a file name", "''");
  log::set_quiet(common.quiet);
  const auto experiment = one_step_experiment(hopfield, common);
  return run_gridded_experiment(experiment, common, parsed, all, mpi);
}

}  // namespace

int main(int argc, char** argv) { return nnsim::driver_main(argc, argv, kProgram, run); }
