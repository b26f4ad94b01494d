#include <algorithm>
#include <bit>
#include <cmath>
#include <sstream>
#include <tuple>

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
     "current) or auto (= patterns, faster in every case measured); results are identical")
    ("memory-budget", po::value(&o.memory_budget_mb)->default_value(o.memory_budget_mb, "4096")->value_name("MB"),
     "memory per rank for the tasks in flight (all threads together), in MB; a point that does not fit is an error "
     "before any work starts");
  // clang-format on
  return d;
}

namespace {

template <class Enum>
struct Choice {
  const char* name;
  Enum value;
};

/// The value of `text` in `table`, or a UsageError listing the allowed names.
template <class Enum, std::size_t K>
Enum choose(const std::string& option, const std::string& text, const Choice<Enum> (&table)[K]) {
  std::string allowed;
  for (const auto& c : table) {
    if (text == c.name) return c.value;
    allowed += (allowed.empty() ? "" : ", ") + std::string(c.name);
  }
  require(false, option, "one of: " + allowed, text);
  return table[0].value;
}

constexpr unsigned kOneStep = 1, kSteady = 2, kOrder = 4, kPhase = 8, kTheory = 16;
constexpr unsigned kGridded = kOneStep | kSteady | kOrder | kPhase;
constexpr unsigned kDynamics = kSteady | kOrder | kPhase;

unsigned bit(Experiment e) {
  switch (e) {
    case Experiment::kOneStep: return kOneStep;
    case Experiment::kSteadyState: return kSteady;
    case Experiment::kOrderParameter: return kOrder;
    case Experiment::kPhaseDiagram: return kPhase;
    case Experiment::kTheory: return kTheory;
  }
  return 0;
}

/// Which experiments use each option; options not listed (--experiment, --output, --force,
/// --quiet, --threads, --config) apply to all.
struct OptionUse {
  const char* name;
  unsigned experiments;
};
constexpr OptionUse kOptionUse[] = {
    {"N", kGridded},
    {"alpha", kGridded | kTheory},
    {"diagonal", kGridded},
    {"patterns-per-sample", kOneStep},
    {"update", kDynamics},
    {"noise", kOrder | kPhase | kTheory},
    {"flip-fraction", kDynamics},
    {"max-sweeps", kSteady},
    {"sweeps", kOrder | kPhase},
    {"transient", kOrder | kPhase},
    {"trace-every", kDynamics},
    {"retrieved-threshold", kSteady},
    {"weights", kDynamics},
    {"memory-budget", kGridded},
    {"seed", kGridded},
    {"samples", kGridded},
    {"first-sample", kGridded},
    {"resume", kGridded},
    {"time-limit", kGridded},
    {"checkpoint-interval", kGridded},
};

const char* experiment_names[] = {"one-step", "steady-state", "order-parameter", "phase-diagram", "theory"};

}  // namespace

Choices parse_choices(const HopfieldOptions& o) {
  static constexpr Choice<Experiment> experiments[] = {{"one-step", Experiment::kOneStep},
                                                       {"steady-state", Experiment::kSteadyState},
                                                       {"order-parameter", Experiment::kOrderParameter},
                                                       {"phase-diagram", Experiment::kPhaseDiagram},
                                                       {"theory", Experiment::kTheory}};
  static constexpr Choice<hopfield::Diagonal> diagonals[] = {{"zero", hopfield::Diagonal::kZero},
                                                             {"keep", hopfield::Diagonal::kKeep}};
  static constexpr Choice<hopfield::UpdateRule> updates[] = {{"random", hopfield::UpdateRule::kRandomSequential},
                                                             {"sequential", hopfield::UpdateRule::kFixedOrder},
                                                             {"synchronous", hopfield::UpdateRule::kSynchronous}};
  static constexpr Choice<Weights> weights[] = {
      {"auto", Weights::kAuto}, {"patterns", Weights::kPatterns}, {"matrix", Weights::kMatrix}};
  Choices c;
  c.experiment = choose("experiment", o.experiment, experiments);
  c.diagonal = choose("diagonal", o.diagonal, diagonals);
  c.update = choose("update", o.update, updates);
  c.weights = choose("weights", o.weights, weights);
  return c;
}

void drop_inapplicable_options(Experiment experiment, po::variables_map& values) {
  const unsigned mine = bit(experiment);
  for (const auto& use : kOptionUse) {
    if (use.experiments & mine) continue;
    const auto it = values.find(use.name);
    if (it == values.end()) continue;
    if (!it->second.defaulted()) {
      std::string where;
      for (unsigned k = 0; k < 5; ++k) {
        if (use.experiments & (1U << k)) where += (where.empty() ? "" : ", ") + std::string(experiment_names[k]);
      }
      throw UsageError("--" + std::string(use.name) + " does not apply to --experiment " +
                       experiment_names[std::countr_zero(mine)] + " (it is used by: " + where + "); leave it out");
    }
    values.erase(it);
  }
}

std::vector<std::string> run_control_options() { return {"weights", "memory-budget"}; }

std::vector<std::string> evaluation_options() { return {"retrieved-threshold", "trace-every", "transient"}; }

void validate(const HopfieldOptions& o, const Choices& c, const CommonOptions& common) {
  validate_common_options(common);
  require(o.flip_fraction >= 0 && o.flip_fraction <= 0.5, "flip-fraction", "in [0, 0.5]", o.flip_fraction);
  require(o.max_sweeps >= 1, "max-sweeps", ">= 1", o.max_sweeps);
  {
    const std::uint64_t run_sweeps = c.experiment == Experiment::kSteadyState ? o.max_sweeps : o.sweeps;
    require(o.trace_every == 0 || o.trace_every <= run_sweeps, "trace-every",
            "0 (off) or at most the sweeps of a run (" + std::to_string(run_sweeps) + ")", o.trace_every);
  }
  require(o.retrieved_threshold > -1 && o.retrieved_threshold < 1, "retrieved-threshold", "in (-1, 1)",
          o.retrieved_threshold);
  require(o.memory_budget_mb > 0, "memory-budget", "> 0 MB", o.memory_budget_mb);
}

PointKey key_base(const std::string& experiment, const po::options_description& all, const po::variables_map& values) {
  static const std::vector<std::string> left_out = [] {
    // Grid axes go in per point; sample numbers and the seed index the stream themselves.
    std::vector<std::string> names{"experiment", "N", "alpha", "noise", "seed", "samples", "first-sample"};
    for (const auto& n : run_control_options()) names.push_back(n);
    for (const auto& n : evaluation_options()) names.push_back(n);
    return names;
  }();
  PointKey key("nnsim-hopfield/" + experiment);
  for (const auto& [name, value] : option_values(all, values)) {
    if (is_run_control_option(name) || std::find(left_out.begin(), left_out.end(), name) != left_out.end()) continue;
    std::visit([&key, &n = name](const auto& v) { key.add(n, v); }, value);
  }
  return key;
}

std::vector<Point> make_points(const HopfieldOptions& o, const std::vector<double>& noise, const PointKey& base) {
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
      for (const double t : levels) points.push_back({n, a, p, t, 0});
    }
  }
  auto order = [](const Point& x, const Point& y) {
    return std::tie(x.neurons, x.alpha, x.noise) < std::tie(y.neurons, y.alpha, y.noise);
  };
  std::stable_sort(points.begin(), points.end(), order);
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (!order(points[i - 1], points[i])) {
      std::ostringstream message;
      message.precision(10);
      message << "the grid names the point N = " << points[i].neurons << ", alpha = " << points[i].alpha;
      if (!noise.empty()) message << ", noise = " << points[i].noise;
      message << " twice (check --N, --alpha" << (noise.empty() ? "" : ", --noise") << " for repeated values)";
      throw UsageError(message.str());
    }
  }
  for (auto& pt : points) {
    PointKey key = base;
    key.add("N", pt.neurons).add("alpha", pt.alpha);
    if (!noise.empty()) key.add("noise", pt.noise);
    pt.key = key.value();
  }
  return points;
}

}  // namespace nnsim::hopfield_app
