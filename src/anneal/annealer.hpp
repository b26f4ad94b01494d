#pragma once
// The Metropolis / simulated-annealing engine (issue 8), independent of the problem.
//
// A step proposes a move with the problem's symmetric proposal and accepts it with probability
// min(1, exp(-Delta H / T)) (the Metropolis rule (4.12), Algorithm 2 of Mehlig, "Machine learning
// with neural networks"). Steps are grouped into temperature levels of `steps_per_temperature`;
// the cooling schedule (a policy, schedule.hpp) gives each level's temperature. Optional:
// restarts from a fresh random state when the run's best energy has not improved for K levels
// (within the same step budget), and replica exchange (parallel tempering): R replicas on a
// fixed temperature ladder, Metropolis within each, neighbours swapped with probability
// min(1, exp((1/T_i - 1/T_j)(E_i - E_j))).
//
// A run is a pure function of (problem, options, random stream): the engine takes the caller's
// RandomStream, never seeds, never reads a clock, and runs in the caller's thread. Progress,
// solution collection and early stopping are callbacks (AnnealControl); so is suspension: a
// cancelled run can hand back an AnnealSnapshot of everything its rest depends on, and a run
// given that snapshot continues it to the result of the uninterrupted run, bit for bit.

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "anneal/problem.hpp"
#include "anneal/schedule.hpp"
#include "core/rng.hpp"

namespace nnsim::anneal {

/// Parallel tempering: with `replicas` >= 2 the engine runs replica exchange instead of
/// annealing (the schedule and restarts are then not used).
struct ReplicaExchangeOptions {
  std::size_t replicas = 1;  ///< 1 = plain annealing
  /// Ascending temperatures, one per replica (index 0 is the coldest); empty = a geometric
  /// ladder from final_temperature (coldest) to initial_temperature (hottest), either of which
  /// may be automatic.
  std::vector<double> temperatures;
  /// Metropolis steps each replica makes between two exchange rounds. Rounds alternate between
  /// the pairs (0,1), (2,3), ... and (1,2), (3,4), ... (deterministic even-odd exchange).
  std::uint64_t steps_per_exchange = 100;
};

struct AnnealOptions {
  Schedule schedule = GeometricSchedule{};  ///< from T0 to T_end over the remaining budget
  std::uint64_t steps_per_temperature = 1000;
  std::uint64_t max_steps = 1'000'000;  ///< budget of Metropolis steps (all replicas and restarts)
  /// T0; 0 = automatic: an average uphill move is accepted with probability initial_acceptance.
  double initial_temperature = 0;
  /// T_end; 0 = automatic: the smallest uphill move is accepted with probability final_acceptance.
  double final_temperature = 0;
  double initial_acceptance = 0.8;
  double final_acceptance = 1e-3;
  /// Moves of an infinite-temperature random walk whose |Delta H| set the automatic temperatures
  /// (drawn from the same stream, before the run; not counted in the budget).
  std::uint64_t temperature_samples = 1000;
  /// Restart from problem.random_state() when the run's best energy has not improved (by more
  /// than energy_tolerance) for this many levels; 0 = never.
  std::uint64_t restart_after_levels = 0;
  double target_energy = 0;  ///< a state with energy <= target_energy + energy_tolerance is a solution
  double energy_tolerance = 1e-9;
  bool stop_at_target = true;     ///< end the run at the first solution visited
  std::uint64_t trace_every = 0;  ///< record (step, energy) at steps 0, K, 2K, ...; 0 = no trace
  ReplicaExchangeOptions replica_exchange;
};

/// Throws UsageError naming the first option out of range.
void validate(const AnnealOptions& options);

/// Progress at the end of a temperature level (of an exchange round for replica exchange).
struct LevelReport {
  std::uint64_t step = 0;      ///< Metropolis steps done so far (all replicas, all restarts)
  std::uint64_t level = 0;     ///< level within the current run (exchange round)
  std::uint64_t restarts = 0;  ///< restarts so far
  double temperature = 0;      ///< the level's temperature (coldest replica's)
  double energy = 0;           ///< current energy (coldest replica's)
  double best_energy = 0;      ///< lowest energy met so far
  double acceptance = 0;       ///< acceptance rate of the level (coldest replica's)
};

inline constexpr std::uint64_t kCancelPollSteps = 4096;

struct TracePoint {
  std::uint64_t step = 0;
  double energy = 0;
  friend bool operator==(const TracePoint&, const TracePoint&) = default;
};

enum class StopReason {
  kBudget,    ///< max_steps done
  kTarget,    ///< a solution was visited and stop_at_target is set
  kCallback,  ///< on_level returned false
};
std::string to_string(StopReason reason);

template <class State>
struct AnnealResult {
  State best_state{};
  double best_energy = 0;
  State final_state{};  ///< the (coldest replica's) state at the end
  double final_energy = 0;
  std::uint64_t steps = 0;  ///< Metropolis steps made (all replicas, all restarts)
  std::uint64_t accepted = 0;
  double acceptance_rate = 0;  ///< accepted / steps
  std::uint64_t levels = 0;    ///< temperature levels (exchange rounds) completed
  std::uint64_t restarts = 0;
  bool solved = false;                  ///< a solution was visited; if not, steps_to_solution is censored
  std::uint64_t steps_to_solution = 0;  ///< step count at the first solution visit; = steps if not solved
  std::uint64_t solution_visits = 0;    ///< visits to solutions (see AnnealControl::on_solution)
  StopReason stop_reason = StopReason::kBudget;
  double initial_temperature = 0;  ///< T0 used (hottest rung for replica exchange)
  double final_temperature = 0;    ///< T_end used (coldest rung)
  std::vector<TracePoint> trace;   ///< (step, current energy of the coldest chain) every trace_every steps
  // Replica exchange only (empty otherwise):
  std::vector<double> ladder;              ///< temperatures, coldest first
  std::vector<double> replica_acceptance;  ///< Metropolis acceptance rate per rung
  std::vector<double> swap_acceptance;     ///< accepted / attempted swaps of rungs (i, i+1)
  double swap_acceptance_rate = 0;         ///< over all pairs
};

/// Everything the rest of a run depends on, taken between two steps when a suspendable run sees
/// its cancel flag (AnnealControl::suspend); a run given it as AnnealControl::resume (same
/// problem, options, schedule and random stream) continues from there and ends with the result
/// of the uninterrupted run, bit for bit. Plain data: a caller serialises it (with its State).
template <class State>
struct AnnealSnapshot {
  AnnealResult<State> result;      ///< counters, best state, trace and temperatures so far
  bool have_best = false;
  std::uint64_t rng_position = 0;  ///< words drawn from the run's stream (RandomStream::position)
  bool replica_exchange = false;
  std::vector<State> states;     ///< annealing: the chain; replica exchange: the replicas by rung
  std::vector<double> energies;  ///< their current (summed) energies
  /// Annealing: the run since the last restart and its current level; replica exchange: the
  /// interrupted segment of one replica (level_steps, level_step) and round.
  double run_best = 0;
  std::uint64_t levels_without_improvement = 0;
  double temperature = 0;
  std::uint64_t level = 0;           ///< annealing: level of the current run; replica exchange: round
  std::uint64_t level_steps = 0;     ///< steps of the interrupted level (segment)
  std::uint64_t level_step = 0;      ///< steps of it done
  std::uint64_t level_accepted = 0;  ///< moves of it accepted (annealing)
  bool improved = false;
  /// The cooling schedule object's bytes (schedules are trivially copyable; same build only).
  std::vector<unsigned char> schedule;
  std::uint64_t replica = 0;  ///< replica exchange: rung of the interrupted segment
  std::uint64_t cold_proposed = 0, cold_accepted = 0;  ///< coldest rung's counts at the round's start
  std::vector<std::uint64_t> proposed, accepted, swaps_tried, swaps_done;
};

/// Callbacks and cancellation; all optional.
template <class State>
struct AnnealControl {
  /// Called at every visit to a solution (energy <= target + tolerance), with the step count at
  /// the visit. A visit is the first state of a run (step of the run's start) or a state reached
  /// by an accepted move; rejected moves and replica swaps are not visits.
  std::function<void(const State& state, std::uint64_t step)> on_solution;
  /// Called at the end of every level with the (coldest) current state; returning false ends
  /// the run (StopReason::kCallback).
  std::function<bool(const LevelReport& report, const State& state)> on_level;
  /// Polled every kCancelPollSteps steps and at the start; when true the engine throws
  /// nnsim::Cancelled (or suspends, see `suspend`).
  const std::atomic<bool>* cancel = nullptr;
  /// Suspension (optional): when set, a cancel seen at a poll after the start makes the engine
  /// stop right after that step and call suspend(snapshot); it is meant to throw (e.g.
  /// nnsim::Suspended with the serialised snapshot), and if it returns the engine throws
  /// nnsim::Cancelled. A cancel that coincides with the end of the run (a solution with
  /// stop_at_target, the budget) lets the run finish instead. Not for schedules that are not
  /// trivially copyable (then a cancel throws nnsim::Cancelled as without it).
  std::function<void(const AnnealSnapshot<State>& snapshot)> suspend;
  /// A snapshot to continue instead of starting a run (see AnnealSnapshot); nullptr = start.
  const AnnealSnapshot<State>* resume = nullptr;
};



/// Probability min(1, exp(-delta / T)) of accepting a move that changes H by delta (4.12);
/// T = 0 accepts only delta <= 0, T = infinity accepts everything.
double acceptance_probability(double delta, double temperature);

/// The Metropolis decision (4.12). Downhill moves are accepted without drawing a number, so
/// the stream advances only for uphill moves.
inline bool metropolis_accept(double delta, double temperature, RandomStream& rng) {
  if (delta <= 0) return true;
  return rng.uniform() < std::exp(-delta / temperature);
}

/// Probability of exchanging the configurations of rungs at temperatures T_i and T_j with
/// energies E_i and E_j: min(1, exp((1/T_i - 1/T_j)(E_i - E_j))). It satisfies detailed balance
/// for the product of the two Boltzmann distributions.
double swap_probability(double temperature_i, double energy_i, double temperature_j, double energy_j);

/// Automatic temperatures from |Delta H| of `samples` moves of an infinite-temperature random walk.
struct TemperatureEstimate {
  double initial_temperature = 1;   ///< mean nonzero |Delta H| / ln(1 / initial_acceptance)
  double final_temperature = 1e-3;  ///< min nonzero |Delta H| / ln(1 / final_acceptance), at most T0
  double mean_change = 0;           ///< mean of the nonzero |Delta H|
  double min_change = 0;            ///< smallest nonzero |Delta H|
  std::uint64_t samples = 0;
  std::uint64_t nonzero = 0;  ///< if 0 the energy looked flat and T0 = 1, T_end = 1e-3 are returned
};

/// T0 and T_end from sampled |Delta H| (see TemperatureEstimate); |Delta H| <= tolerance counts as 0.
TemperatureEstimate temperatures_from_changes(const std::vector<double>& absolute_changes, double initial_acceptance,
                                              double final_acceptance, double tolerance);

/// Walks `samples` random moves from a random state, accepting all, and estimates T0 and T_end.
template <AnnealingProblem P>
TemperatureEstimate estimate_temperatures(const P& problem, const AnnealOptions& options, RandomStream& rng);

/// n temperatures from t_min to t_max, equally spaced in log T (coldest first).
std::vector<double> geometric_ladder(double t_min, double t_max, std::size_t n);

/// Anneals (or runs replica exchange) with options.schedule; returns the lowest energy met.
/// (Not called `anneal`, which would be ambiguous with the namespace under using-directives.)
template <AnnealingProblem P>
AnnealResult<typename P::State> minimize(const P& problem, const AnnealOptions& options, RandomStream& rng,
                                         const AnnealControl<typename P::State>& control = {});

/// The same with any CoolingSchedule policy S in place of options.schedule.
template <AnnealingProblem P, CoolingSchedule S>
AnnealResult<typename P::State> minimize_with_schedule(const P& problem, S schedule, const AnnealOptions& options,
                                                       RandomStream& rng,
                                                       const AnnealControl<typename P::State>& control = {});

}  // namespace nnsim::anneal

#include "anneal/annealer_impl.hpp"
