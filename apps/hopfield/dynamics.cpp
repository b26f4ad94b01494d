// steady-state, order-parameter and phase-diagram: trajectories of the Hopfield dynamics.

#include <cmath>
#include <limits>
#include <sstream>

#include "core/grid.hpp"
#include "experiments.hpp"
#include "hopfield/dynamics.hpp"
#include "hopfield/mean_field.hpp"
#include "hopfield/theory.hpp"

namespace nnsim::hopfield_app {

namespace hf = nnsim::hopfield;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// One observable of a trajectory: its description and how it is read off (one table per
/// experiment, so names, values and descriptions cannot drift apart).
struct TrajectoryObservable {
  ObservableInfo info;
  double (*value)(const hf::Trajectory& t, double n);
};

const std::vector<TrajectoryObservable>& stochastic_observables() {
  static const std::vector<TrajectoryObservable> table = {
      {{"overlap_time_average",
        "time average of m_1 = (1/N) sum_i x_i^1 s_i over the sweeps after the transient, sampled after every sweep",
        "(3.2): m_1(T) = (1/T) sum_t m_1(t)", "1"},
       [](const hf::Trajectory& t, double) { return t.time_average_overlap; }},
      {{"overlap_time_average_error",
        "standard error of one trajectory's time average from log-binning its sweep series (autocorrelation "
        "included); the ensemble error bar is /results/overlap_time_average/stderr",
        "", "1"},
       [](const hf::Trajectory& t, double) { return t.time_average_error; }},
      {{"final_overlap", "m_1 after the last sweep", "(3.2)", "1"},
       [](const hf::Trajectory& t, double) { return t.final_overlap; }},
      {{"flips_per_sweep", "neuron flips per sweep over the whole trajectory", "", "1/sweep"},
       [](const hf::Trajectory& t, double) { return static_cast<double>(t.flips) / static_cast<double>(t.sweeps); }},
      {{"energy", "energy per neuron H/N of the final state", "(2.45): H = -1/2 sum_ij w_ij s_i s_j", "1"},
       [](const hf::Trajectory& t, double n) { return t.final_energy / n; }},
  };
  return table;
}

/// Zero-noise runs; `retrieved` compares with the threshold, so it is added by the experiment.
const std::vector<TrajectoryObservable>& deterministic_observables() {
  static const std::vector<TrajectoryObservable> table = {
      {{"final_overlap", "m_1 = (1/N) sum_i x_i^1 s_i at the fixed point (or after --max-sweeps)", "(3.2)", "1"},
       [](const hf::Trajectory& t, double) { return t.final_overlap; }},
      {{"steady_state_error", "fraction of bits of the final state that differ from the fed pattern",
        "(3.18): P_error(t=inf) = (1 - m_1)/2", "1"},
       [](const hf::Trajectory& t, double n) { return static_cast<double>(t.wrong_bits) / n; }},
      {{"retrieved", "1 if the final overlap exceeds --retrieved-threshold, else 0", "", "1"}, nullptr},
      {{"sweeps", "sweeps until a sweep flipped nothing and the state was a fixed point", "", "sweeps"},
       [](const hf::Trajectory& t, double) { return static_cast<double>(t.sweeps); }},
      {{"flips_per_neuron", "total flips / N", "", "1"},
       [](const hf::Trajectory& t, double n) { return static_cast<double>(t.flips) / n; }},
      {{"converged", "1 if the run ended at a fixed point, 0 if it hit --max-sweeps", "", "1"},
       [](const hf::Trajectory& t, double) { return t.converged ? 1.0 : 0.0; }},
      {{"energy", "energy per neuron H/N of the final state", "(2.45): H = -1/2 sum_ij w_ij s_i s_j", "1"},
       [](const hf::Trajectory& t, double n) { return t.final_energy / n; }},
  };
  return table;
}

/// The weight storage of a point: the user's choice; auto takes the patterns, which were faster
/// in every case measured (docs/performance.md), deterministic or stochastic, and smaller.
hf::WeightStorage storage_for(const HopfieldOptions& o, Weights weights, const Point& pt, int threads) {
  const auto n = static_cast<std::uint64_t>(pt.neurons);
  const auto p = static_cast<std::uint64_t>(pt.patterns);
  const double budget = o.memory_budget_mb * 1e6;
  auto fits = [&](hf::WeightStorage s) {
    return static_cast<double>(hf::network_memory_bytes(n, p, s)) * threads <= budget;
  };
  const hf::WeightStorage storage = weights == Weights::kMatrix ? hf::WeightStorage::kMatrix : hf::WeightStorage::kPatterns;
  if (storage == hf::WeightStorage::kMatrix && p > 32767) {
    throw UsageError("--weights matrix needs p <= 32767 (int16 weights); N = " + std::to_string(n) + " has p = " +
                     std::to_string(p));
  }
  if (!fits(storage)) {
    std::ostringstream message;
    message.precision(4);
    message << "--memory-budget " << o.memory_budget_mb << " MB is too small for N = " << n << ", p = " << p
            << " with " << threads << " thread(s) and weights '" << hf::to_string(storage) << "': needs "
            << static_cast<double>(hf::network_memory_bytes(n, p, storage)) * threads / 1e6 << " MB";
    throw UsageError(message.str());
  }
  return storage;
}

}  // namespace

GriddedExperiment dynamics_experiment(const HopfieldOptions& o, const Choices& choices, const CommonOptions& common,
                                      const PointKey& keys) {
  const bool stochastic = choices.stochastic();
  std::vector<double> noise;
  if (stochastic) {
    noise = parse_real_grid(o.noise, "noise");
    for (const double t : noise) require(t > 0 && t <= 100, "noise", "in (0, 100] (1/beta)", t);
    require(choices.update != hf::UpdateRule::kSynchronous, "update", "random or sequential for stochastic dynamics",
            o.update);
    require(o.sweeps > o.transient, "sweeps", "larger than --transient (" + std::to_string(o.transient) + ")", o.sweeps);
  }
  const auto points = make_points(o, noise, keys);
  std::vector<hf::WeightStorage> storage;
  for (const auto& pt : points) storage.push_back(storage_for(o, choices.weights, pt, common.threads));

  const hf::Diagonal diagonal = choices.diagonal;
  const std::uint64_t seed = common.seed;
  const double flip_fraction = o.flip_fraction;
  const double threshold = o.retrieved_threshold;
  hf::DynamicsOptions base;
  base.rule = choices.update;
  base.max_sweeps = stochastic ? o.sweeps : o.max_sweeps;
  base.transient_sweeps = stochastic ? o.transient : 0;
  base.trace_every = o.trace_every;
  // m_1 at sweeps 0, K, 2K, ..., up to the last sweep a run can make
  const std::size_t trace_length = o.trace_every > 0 ? base.max_sweeps / o.trace_every + 1 : 0;
  const auto& table = stochastic ? stochastic_observables() : deterministic_observables();

  GriddedExperiment e;
  e.program = "nnsim-hopfield";
  e.experiment = o.experiment;
  e.spec.num_points = points.size();
  for (const auto& obs : table) {
    e.spec.observables.push_back(obs.info.name);
    e.observables.push_back(obs.info);
  }
  if (trace_length > 0) {
    e.spec.widths.assign(e.spec.observables.size(), 1);
    e.spec.observables.push_back("overlap_trace");
    e.spec.widths.push_back(trace_length);
    e.observables.push_back(
        {"overlap_trace",
         "m_1(t) of each trajectory after sweeps t = 0, K, 2K, ... (K = root attribute trace-every; last axis); a "
         "deterministic run that reached a fixed point keeps its final value",
         "(3.2): m_1(t) = (1/N) sum_i x_i^1 s_i(t)", "1"});
  }
  e.spec.cost = [points, base, stochastic](std::uint64_t i) {
    const auto& pt = points[i];
    const double sweeps = stochastic ? static_cast<double>(base.max_sweeps) : 20.0;
    return static_cast<double>(pt.neurons) * static_cast<double>(pt.patterns) * sweeps;
  };
  e.spec.run = [points, storage, diagonal, seed, flip_fraction, threshold, base, stochastic, trace_length, &table](
                   const Task& task, const CancelFlag& cancel) {
    const auto& pt = points[task.point];
    // Streams: 0 patterns, 1 initial state, 2 dynamics (update order and noise).
    auto pattern_rng = make_stream(seed, pt.key, task.sample, 0);
    const auto patterns = hf::PatternSet::random(static_cast<std::size_t>(pt.patterns),
                                                 static_cast<std::size_t>(pt.neurons), pattern_rng);
    hf::HopfieldNetwork net(patterns, diagonal, storage[task.point]);
    auto init_rng = make_stream(seed, pt.key, task.sample, 1);
    net.set_state_from_pattern(0, flip_fraction, init_rng);
    auto dynamics_rng = make_stream(seed, pt.key, task.sample, 2);
    hf::DynamicsOptions options = base;
    options.beta = stochastic ? 1.0 / pt.noise : std::numeric_limits<double>::infinity();
    const auto t = hf::run_dynamics(net, 0, options, dynamics_rng, &cancel);
    const double n = static_cast<double>(pt.neurons);
    std::vector<double> values;
    for (const auto& obs : table) {
      values.push_back(obs.value ? obs.value(t, n) : (t.final_overlap > threshold ? 1.0 : 0.0));
    }
    if (trace_length > 0) {
      // A deterministic run that stopped at a fixed point keeps its final overlap.
      for (std::size_t k = 0; k < trace_length; ++k) {
        values.push_back(k < t.overlap_trace.size() ? t.overlap_trace[k] : t.final_overlap);
      }
    }
    return values;
  };

  std::vector<std::int64_t> n_col, p_col;
  std::vector<double> alpha_col, noise_col;
  for (std::size_t i = 0; i < points.size(); ++i) {
    n_col.push_back(points[i].neurons);
    alpha_col.push_back(points[i].alpha);
    p_col.push_back(points[i].patterns);
    noise_col.push_back(points[i].noise);
    e.point_keys.push_back(points[i].key);
  }
  e.points = {
      {"N", n_col, "number of neurons N", "1"},
      {"alpha", alpha_col, "load alpha = p/N as requested (p is rounded, see /points/p)", "1"},
      {"p", p_col, "number of stored random patterns p = round(alpha N)", "1"},
  };
  if (stochastic) {
    e.points.push_back({"noise", noise_col, "noise level 1/beta of the stochastic neuron (3.1)", "1"});
  }
  const std::string rule_text = choices.update == hf::UpdateRule::kRandomSequential ? "random sequential asynchronous updates"
                                : choices.update == hf::UpdateRule::kFixedOrder   ? "asynchronous updates in fixed order 1..N"
                                                                                   : "synchronous updates (2.4)";
  std::string storage_text;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i == 0 || storage[i] != storage[i - 1]) storage_text += (storage_text.empty() ? "" : ", ") + std::string(hf::to_string(storage[i]));
  }
  e.attributes = {{"update_rule", rule_text},
                  {"hebb_rule", diagonal == hf::Diagonal::kZero ? "(2.26), w_ii = 0" : "(2.25), w_ii = p/N"},
                  {"initial_state", "stored pattern 1 with round(flip_fraction N) distinct bits flipped"},
                  {"time_unit", "one sweep = N single-neuron updates"},
                  {"weight_storage", storage_text + " (patterns: fields computed from the pattern overlaps; matrix: "
                                                    "int16 matrix N w_ij; the results are identical)"}};
  e.theory = [points, stochastic] {
    std::vector<double> m, err, one_step, small_load;
    for (const auto& pt : points) {
      if (stochastic) {
        const auto solution = hf::retrieval_solution(pt.load(), 1.0 / pt.noise);
        m.push_back(solution ? solution->overlap : 0.0);
        small_load.push_back(hf::order_parameter_small_load(1.0 / pt.noise));
      } else {
        const auto state = hf::zero_noise_steady_state(pt.load());
        m.push_back(state ? state->overlap : kNaN);
        err.push_back(state ? state->error : kNaN);
        one_step.push_back(hf::one_step_error_book(pt.load()));
      }
    }
    if (stochastic) {
      return std::vector<TheoryColumn>{
          {"overlap_time_average", m,
           "mean-field m_1 of the retrieval solution at alpha = p/N and beta = 1/noise; 0 where it does not exist",
           "(3.26), (3.33), (3.38): m_1 = <tanh(beta(m_1 + sigma_z z))>_z, q = <tanh^2(...)>_z, "
           "sigma_z^2 = alpha q / [1 - beta(1-q)]^2",
           "1"},
          {"overlap_small_load", small_load, "alpha -> 0 limit of the mean-field overlap",
           "(3.14): m_1 = tanh(beta m_1)", "1"}};
    }
    return std::vector<TheoryColumn>{
        {"final_overlap", m, "zero-noise mean-field m_1 at alpha = p/N; NaN above alpha_c = 0.1379 (no retrieval)",
         "(3.39)-(3.41): y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)) = erf(y), m_1 = erf(y)", "1"},
        {"steady_state_error", err, "(1 - m_1)/2 of the mean-field solution; NaN above alpha_c",
         "(3.18) with (3.39)-(3.41)", "1"},
        {"one_step_error", one_step, "the one-step error at the same load, for contrast",
         "(2.39): (1/2)[1 - erf(sqrt(1/(2 alpha)))]", "1"}};
  };
  if (o.experiment == "phase-diagram") {
    double max_alpha = 0.15;
    for (const auto& pt : points) max_alpha = std::max(max_alpha, pt.load());
    e.curves = [max_alpha] {
      std::vector<double> alphas;
      for (int k = 1; k <= 120; ++k) alphas.push_back(max_alpha * k / 120.0);
      const auto boundary = hf::retrieval_boundary(alphas);
      return std::vector<TheoryCurve>{
          {"boundary", "alpha", alphas, boundary,
           "mean-field retrieval boundary: the noise 1/beta above which the retrieval solution (m_1 > 0) "
           "disappears; 0 where there is none at any noise (alpha > 0.1381885). Replica-symmetric theory bends "
           "back near alpha_c: for 0.137906 < alpha < 0.1381885 retrieval also needs a minimum noise",
           "largest 1/beta with a solution m_1 > 0 of (3.26), (3.33), (3.38)", "load alpha = p/N"}};
    };
  }
  return e;
}

}  // namespace nnsim::hopfield_app
