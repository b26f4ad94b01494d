#include <cmath>
#include <sstream>

#include "core/grid.hpp"
#include "experiments.hpp"

namespace nnsim::hopfield_app {

po::options_description hopfield_options(HopfieldOptions& o) {
  po::options_description d("Hopfield network");
  // clang-format off
  d.add_options()
    ("experiment", po::value(&o.experiment)->default_value(o.experiment),
     "one-step | steady-state | order-parameter | phase-diagram | theory")
    ("N", po::value(&o.neurons)->default_value(o.neurons)->value_name("LIST"),
     "numbers of neurons, a list or range (e.g. 1000,4000 or 1000:8000:1000); each >= 2")
    ("alpha", po::value(&o.alpha)->default_value(o.alpha)->value_name("GRID"),
     "loads alpha = p/N, a list or range start:stop:step; each in (0, 10]; p = round(alpha N) >= 1")
    ("samples", po::value(&o.samples)->default_value(o.samples),
     "independent samples (fresh random patterns and dynamics) per point, >= 1")
    ("diagonal", po::value(&o.diagonal)->default_value(o.diagonal),
     "Hebb's rule with w_ii = 0 (zero, the book's (2.26)) or w_ii = p/N kept (keep, (2.25))")
    ("patterns-per-sample", po::value(&o.patterns_per_sample)->default_value(o.patterns_per_sample)->value_name("K"),
     "one-step: feed only the first K of the p stored patterns (0 = all); all N bits of each are checked")
    ("update", po::value(&o.update)->default_value(o.update),
     "dynamics: random (random sequential), sequential (fixed order 1..N) or synchronous (2.4); "
     "synchronous is deterministic only")
    ("noise", po::value(&o.noise)->default_value(o.noise)->value_name("GRID"),
     "order-parameter, phase-diagram: noise levels 1/beta of the stochastic neuron (3.1), each in (0, 100]")
    ("flip-fraction", po::value(&o.flip_fraction)->default_value(o.flip_fraction, "0"),
     "dynamics: start from stored pattern 1 with this fraction of its bits flipped, in [0, 0.5]")
    ("max-sweeps", po::value(&o.max_sweeps)->default_value(o.max_sweeps),
     "steady-state: stop at a fixed point or after this many sweeps of N updates, >= 1")
    ("sweeps", po::value(&o.sweeps)->default_value(o.sweeps),
     "order-parameter, phase-diagram: sweeps of N updates per trajectory, > --transient")
    ("transient", po::value(&o.transient)->default_value(o.transient),
     "order-parameter, phase-diagram: sweeps left out of the time average m_1(T) (3.2)")
    ("trace-every", po::value(&o.trace_every)->default_value(o.trace_every)->value_name("K"),
     "dynamics: also store m_1(t) of every trajectory after sweeps 0, K, 2K, ... (/results/overlap_trace); 0 = off")
    ("retrieved-threshold", po::value(&o.retrieved_threshold)->default_value(o.retrieved_threshold, "0.9"),
     "steady-state: a sample counts as retrieved when its final overlap m_1 exceeds this, in (-1, 1)")
    ("weights", po::value(&o.weights)->default_value(o.weights),
     "dynamics: weight storage patterns (on the fly, N p/4 bytes), matrix (int16, 2 N^2 bytes, all fields kept "
     "current) or auto (= patterns, faster in every case measured)")
    ("memory-budget", po::value(&o.memory_budget_mb)->default_value(o.memory_budget_mb, "4096")->value_name("MB"),
     "dynamics: memory per rank for networks (all threads together), in MB; a point that does not fit is an error");
  // clang-format on
  return d;
}

hopfield::Diagonal diagonal_of(const HopfieldOptions& o) {
  return o.diagonal == "keep" ? hopfield::Diagonal::kKeep : hopfield::Diagonal::kZero;
}

std::vector<Point> make_points(const HopfieldOptions& o, const std::vector<double>& noise) {
  const auto neurons = parse_integer_grid(o.neurons, "N");
  const auto alphas = parse_real_grid(o.alpha, "alpha");
  for (const auto n : neurons) require(n >= 2 && n <= 100'000'000, "N", "an integer in [2, 1e8]", n);
  for (const auto a : alphas) require(a > 0 && a <= 10, "alpha", "in (0, 10]", a);
  std::vector<Point> points;
  const std::vector<double> levels = noise.empty() ? std::vector<double>{0.0} : noise;
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
      for (const double t : levels) points.push_back({n, a, p, t});
    }
  }
  return points;
}

}  // namespace nnsim::hopfield_app
