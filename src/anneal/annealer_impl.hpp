#pragma once
// Template definitions of annealer.hpp (included at its end; not to be included directly).

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

namespace nnsim::anneal {

template <AnnealingProblem P>
TemperatureEstimate estimate_temperatures(const P& problem, const AnnealOptions& options, RandomStream& rng) {
  std::vector<double> changes;
  changes.reserve(options.temperature_samples);
  auto state = problem.random_state(rng);
  for (std::uint64_t s = 0; s < options.temperature_samples; ++s) {
    const auto move = problem.propose(state, rng);
    changes.push_back(std::abs(static_cast<double>(problem.delta(state, move))));
    problem.apply(state, move);
  }
  return temperatures_from_changes(changes, options.initial_acceptance, options.final_acceptance,
                                   options.energy_tolerance);
}

namespace detail {

/// One step of the chain at `temperature`: a proposal accepted by the Metropolis rule (4.12),
/// or, for a problem's heat-bath move (HeatBathProblem), the problem's block heat-bath update.
/// Returns whether the state changed; `change` is its energy change then.
template <AnnealingProblem P>
bool chain_step(const P& problem, typename P::State& state, double temperature, RandomStream& rng, double& change) {
  const auto move = problem.propose(state, rng);
  if constexpr (HeatBathProblem<P>) {
    if (problem.heat_bath(move)) {
      const auto outcome = problem.resample(state, move, temperature, rng);
      change = static_cast<double>(outcome.delta);
      return outcome.changed;
    }
  }
  change = static_cast<double>(problem.delta(state, move));
  if (!metropolis_accept(change, temperature, rng)) return false;
  problem.apply(state, move);
  return true;
}

/// The bookkeeping shared by annealing and replica exchange: step count, budget, best state,
/// solution visits, trace, cancellation and the callbacks.
template <AnnealingProblem P>
class RunBook {
 public:
  using State = typename P::State;

  /// `suspendable`: a cancel seen after the start halts the loops (suspending()) instead of
  /// throwing nnsim::Cancelled. `have_best`: a resumed run's best state is already in `result`.
  RunBook(const AnnealOptions& options, const AnnealControl<State>& control, AnnealResult<State>& result,
          bool suspendable = false, bool have_best = false)
      : options_(options), control_(control), result_(result), have_best_(have_best) {
    poll_cancel();
    suspendable_ = suspendable;
  }

  bool budget_left() const { return result_.steps < options_.max_steps; }
  std::uint64_t steps_left() const { return options_.max_steps - result_.steps; }
  /// The loops end: the run stopped, or it is suspending. One flag, so the hot loop tests one bool.
  bool stopped() const { return halted_; }
  /// A cancel was seen and the run did not stop for another reason: take a snapshot now.
  bool suspending() const { return suspending_ && !stopped_; }
  bool have_best() const { return have_best_; }

  /// A state entered (run start or accepted move): best, solution visit, possibly stop.
  void visit(const State& state, double energy) {
    if (energy < result_.best_energy || !have_best_) {
      result_.best_energy = energy;
      result_.best_state = state;
      have_best_ = true;
    }
    if (energy <= options_.target_energy + options_.energy_tolerance) {
      ++result_.solution_visits;
      if (!result_.solved) {
        result_.solved = true;
        result_.steps_to_solution = result_.steps;
      }
      if (control_.on_solution) control_.on_solution(state, result_.steps);
      if (options_.stop_at_target) stop(StopReason::kTarget);
    }
  }

  /// Counts one Metropolis step; polls the cancellation flag every kCancelPollSteps steps.
  void count_step(bool accepted) {
    ++result_.steps;
    if (accepted) ++result_.accepted;
    if (result_.steps % kCancelPollSteps == 0) poll_cancel();
  }

  /// Records (step, energy) when the step count is a multiple of trace_every.
  void trace(double energy) {
    if (options_.trace_every > 0 && result_.steps % options_.trace_every == 0) {
      result_.trace.push_back({result_.steps, energy});
    }
  }

  void end_level(const LevelReport& report, const State& state) {
    ++result_.levels;
    if (control_.on_level && !control_.on_level(report, state)) stop(StopReason::kCallback);
  }

  void stop(StopReason reason) {
    if (stopped_) return;
    stopped_ = true;
    halted_ = true;
    result_.stop_reason = reason;
  }

  void finish(const State& final_state, double final_energy) {
    result_.final_state = final_state;
    result_.final_energy = final_energy;
    result_.acceptance_rate =
        result_.steps == 0 ? 0.0 : static_cast<double>(result_.accepted) / static_cast<double>(result_.steps);
    if (!result_.solved) result_.steps_to_solution = result_.steps;
    if (!stopped_) result_.stop_reason = StopReason::kBudget;
  }

 private:
  void poll_cancel() {
    if (control_.cancel == nullptr || !control_.cancel->load(std::memory_order_relaxed)) return;
    if (!suspendable_) throw Cancelled();
    suspending_ = true;
    halted_ = true;
  }

  const AnnealOptions& options_;
  const AnnealControl<State>& control_;
  AnnealResult<State>& result_;
  bool have_best_ = false;
  bool stopped_ = false;
  bool suspending_ = false;
  bool halted_ = false;  // stopped_ || suspending_
  bool suspendable_ = false;
};

/// Hands `snapshot` to control.suspend, which is meant to throw; else the task is cancelled.
template <class State>
[[noreturn]] void suspend_run(const AnnealControl<State>& control, const AnnealSnapshot<State>& snapshot) {
  control.suspend(snapshot);
  throw Cancelled();
}

template <AnnealingProblem P>
std::pair<double, double> resolve_temperatures(const P& problem, const AnnealOptions& options, RandomStream& rng) {
  double t0 = options.initial_temperature;
  double t_end = options.final_temperature;
  if (t0 == 0 || t_end == 0) {
    const auto estimate = estimate_temperatures(problem, options, rng);
    if (t0 == 0) t0 = estimate.initial_temperature;
    if (t_end == 0) t_end = std::min(estimate.final_temperature, t0);
  }
  return {std::max(t0, t_end), t_end};
}

template <AnnealingProblem P, CoolingSchedule S>
void run_annealing(const P& problem, S schedule, const AnnealOptions& options, RandomStream& rng,
                   const AnnealControl<typename P::State>& control, AnnealResult<typename P::State>& result) {
  using State = typename P::State;
  // A snapshot holds the schedule's bytes: only trivially copyable schedules can be suspended.
  constexpr bool kSuspendable = std::is_trivially_copyable_v<S>;
  const AnnealSnapshot<State>* resume = control.resume;
  if (resume != nullptr) {
    if (!kSuspendable || resume->replica_exchange || resume->states.size() != 1 || resume->energies.size() != 1 ||
        resume->schedule.size() != sizeof(S)) {
      throw std::invalid_argument("anneal: the snapshot to resume is not one of simulated annealing with this schedule");
    }
    result = resume->result;
  }
  RunBook<P> book(options, control, result, kSuspendable && static_cast<bool>(control.suspend),
                  resume != nullptr && resume->have_best);
  const double tolerance = options.energy_tolerance;
  const std::uint64_t per_level = options.steps_per_temperature;
  double t0 = 0, t_end = 0;
  State state{};
  double energy = 0;
  // The current run (since the start or the last restart) and level; a snapshot's fields.
  double run_best = 0;
  std::uint64_t levels_without_improvement = 0;
  double temperature = 0;
  std::uint64_t level = 0;
  std::uint64_t steps = 0;  // of the level
  std::uint64_t k = 0;      // steps of the level done
  LevelStats stats{};
  bool improved = false;
  bool resuming = resume != nullptr;
  if (resume != nullptr) {
    t0 = result.initial_temperature;
    t_end = result.final_temperature;
    rng.seek(resume->rng_position);
    state = resume->states.front();
    energy = resume->energies.front();
    run_best = resume->run_best;
    levels_without_improvement = resume->levels_without_improvement;
    temperature = resume->temperature;
    level = resume->level;
    steps = resume->level_steps;
    k = resume->level_step;
    stats = LevelStats{level, temperature, k, resume->level_accepted};
    improved = resume->improved;
    if constexpr (kSuspendable) std::memcpy(static_cast<void*>(&schedule), resume->schedule.data(), sizeof(S));
  } else {
    std::tie(t0, t_end) = resolve_temperatures(problem, options, rng);
    result.initial_temperature = t0;
    result.final_temperature = t_end;
    state = problem.random_state(rng);
    energy = static_cast<double>(problem.energy(state));
    book.trace(energy);
    book.visit(state, energy);
  }
  while (!book.stopped()) {
    // One run: from `state` (fresh), cooling from T0, until the budget ends, a stop, or a restart.
    if (!resuming) {
      run_best = energy;
      levels_without_improvement = 0;
      const std::uint64_t levels_left = (book.steps_left() + per_level - 1) / per_level;
      temperature = schedule.start({t0, t_end, std::max<std::uint64_t>(levels_left, 1)});
      level = 0;
    }
    bool restart = false;
    for (;; ++level) {
      if (resuming) {
        resuming = false;  // continue the interrupted level
      } else {
        if (!book.budget_left() || book.stopped() || restart) break;
        steps = std::min(per_level, book.steps_left());
        stats = LevelStats{level, temperature, 0, 0};
        improved = false;
        k = 0;
      }
      for (; k < steps && !book.stopped(); ++k) {
        double change = 0;
        const bool accepted = chain_step(problem, state, temperature, rng, change);
        ++stats.proposed;
        book.count_step(accepted);
        if (accepted) {
          ++stats.accepted;
          energy += change;
          if (energy < run_best - tolerance) {
            run_best = energy;
            improved = true;
          }
          book.visit(state, energy);
        }
        book.trace(energy);
      }
      if constexpr (kSuspendable) {
        if (book.suspending()) {
          AnnealSnapshot<State> snapshot;
          snapshot.result = result;
          snapshot.have_best = book.have_best();
          snapshot.rng_position = rng.position();
          snapshot.states = {state};
          snapshot.energies = {energy};
          snapshot.run_best = run_best;
          snapshot.levels_without_improvement = levels_without_improvement;
          snapshot.temperature = temperature;
          snapshot.level = level;
          snapshot.level_steps = steps;
          snapshot.level_step = k;
          snapshot.level_accepted = stats.accepted;
          snapshot.improved = improved;
          snapshot.schedule.resize(sizeof(S));
          std::memcpy(snapshot.schedule.data(), static_cast<const void*>(&schedule), sizeof(S));
          suspend_run(control, snapshot);
        }
      }
      // Re-evaluated once per level so that rounding in the summed Delta H cannot drift.
      energy = static_cast<double>(problem.energy(state));
      book.end_level(
          {result.steps, level, result.restarts, temperature, energy, result.best_energy, stats.acceptance()}, state);
      levels_without_improvement = improved ? 0 : levels_without_improvement + 1;
      restart = options.restart_after_levels > 0 && levels_without_improvement >= options.restart_after_levels;
      temperature = schedule.next(stats);
    }
    if (!restart || book.stopped() || !book.budget_left()) break;
    ++result.restarts;
    state = problem.random_state(rng);
    energy = static_cast<double>(problem.energy(state));
    book.visit(state, energy);
  }
  book.finish(state, energy);
}

template <AnnealingProblem P>
void run_replica_exchange(const P& problem, const AnnealOptions& options, RandomStream& rng,
                          const AnnealControl<typename P::State>& control, AnnealResult<typename P::State>& result) {
  using State = typename P::State;
  const std::size_t replicas = options.replica_exchange.replicas;
  const AnnealSnapshot<State>* resume = control.resume;
  if (resume != nullptr) {
    if (!resume->replica_exchange || resume->states.size() != replicas || resume->energies.size() != replicas ||
        resume->proposed.size() != replicas || resume->accepted.size() != replicas ||
        resume->swaps_tried.size() != replicas - 1 || resume->swaps_done.size() != replicas - 1 ||
        resume->result.ladder.size() != replicas || resume->replica >= replicas) {
      throw std::invalid_argument("anneal: the snapshot to resume is not one of replica exchange with " +
                                  std::to_string(replicas) + " replicas");
    }
    result = resume->result;
  }
  RunBook<P> book(options, control, result, static_cast<bool>(control.suspend),
                  resume != nullptr && resume->have_best);
  std::vector<double> ladder;
  std::vector<State> states;
  std::vector<double> energies;
  std::vector<std::uint64_t> proposed(replicas, 0), accepted(replicas, 0);
  std::vector<std::uint64_t> swaps_tried(replicas - 1, 0), swaps_done(replicas - 1, 0);
  std::uint64_t round = 0;
  bool resuming = resume != nullptr;
  if (resume != nullptr) {
    ladder = result.ladder;
    rng.seek(resume->rng_position);
    states = resume->states;
    energies = resume->energies;
    proposed = resume->proposed;
    accepted = resume->accepted;
    swaps_tried = resume->swaps_tried;
    swaps_done = resume->swaps_done;
    round = resume->level;
  } else {
    ladder = options.replica_exchange.temperatures;
    if (ladder.empty()) {
      const auto [t_max, t_min] = resolve_temperatures(problem, options, rng);
      ladder = geometric_ladder(t_min, t_max, replicas);
    }
    result.ladder = ladder;
    result.final_temperature = ladder.front();
    result.initial_temperature = ladder.back();
    states.reserve(replicas);
    for (std::size_t r = 0; r < replicas; ++r) {
      states.push_back(problem.random_state(rng));
      energies.push_back(static_cast<double>(problem.energy(states.back())));
    }
    book.trace(energies.front());
    for (std::size_t r = 0; r < replicas && !book.stopped(); ++r) book.visit(states[r], energies[r]);
  }

  for (;; ++round) {
    std::uint64_t cold_proposed = 0, cold_accepted = 0;
    std::size_t r = 0;
    std::uint64_t steps = 0, k = 0;  // the current replica's segment and its steps done
    bool resumed_segment = resuming;
    if (resuming) {
      resuming = false;
      cold_proposed = resume->cold_proposed;
      cold_accepted = resume->cold_accepted;
      r = static_cast<std::size_t>(resume->replica);
      steps = resume->level_steps;
      k = resume->level_step;
    } else {
      if (!book.budget_left() || book.stopped()) break;
      cold_proposed = proposed.front();
      cold_accepted = accepted.front();
    }
    for (;; ++r) {
      if (resumed_segment) {
        resumed_segment = false;  // continue the interrupted segment
      } else {
        if (r >= replicas || !book.budget_left() || book.stopped()) break;
        steps = std::min(options.replica_exchange.steps_per_exchange, book.steps_left());
        k = 0;
      }
      for (; k < steps && !book.stopped(); ++k) {
        double change = 0;
        const bool accept = chain_step(problem, states[r], ladder[r], rng, change);
        ++proposed[r];
        book.count_step(accept);
        if (accept) {
          ++accepted[r];
          energies[r] += change;
          book.visit(states[r], energies[r]);
        }
        book.trace(energies.front());
      }
      if (book.stopped()) break;
    }
    if (book.suspending()) {
      AnnealSnapshot<State> snapshot;
      snapshot.result = result;
      snapshot.have_best = book.have_best();
      snapshot.rng_position = rng.position();
      snapshot.replica_exchange = true;
      snapshot.states = states;
      snapshot.energies = energies;
      snapshot.level = round;
      snapshot.level_steps = steps;
      snapshot.level_step = k;
      snapshot.replica = r;
      snapshot.cold_proposed = cold_proposed;
      snapshot.cold_accepted = cold_accepted;
      snapshot.proposed = proposed;
      snapshot.accepted = accepted;
      snapshot.swaps_tried = swaps_tried;
      snapshot.swaps_done = swaps_done;
      suspend_run(control, snapshot);
    }
    for (std::size_t i = 0; i < replicas; ++i) energies[i] = static_cast<double>(problem.energy(states[i]));
    if (book.stopped()) break;
    for (std::size_t i = round % 2; i + 1 < replicas; i += 2) {
      ++swaps_tried[i];
      const double p = swap_probability(ladder[i], energies[i], ladder[i + 1], energies[i + 1]);
      if (p >= 1 || rng.uniform() < p) {
        ++swaps_done[i];
        std::swap(states[i], states[i + 1]);
        std::swap(energies[i], energies[i + 1]);
      }
    }
    const std::uint64_t level_proposed = proposed.front() - cold_proposed;
    const double level_acceptance = level_proposed == 0 ? 0.0
                                                        : static_cast<double>(accepted.front() - cold_accepted) /
                                                              static_cast<double>(level_proposed);
    book.end_level({result.steps, round, 0, ladder.front(), energies.front(), result.best_energy, level_acceptance},
                   states.front());
  }
  std::uint64_t tried = 0, done = 0;
  for (std::size_t i = 0; i + 1 < replicas; ++i) {
    result.swap_acceptance.push_back(
        swaps_tried[i] == 0 ? 0.0 : static_cast<double>(swaps_done[i]) / static_cast<double>(swaps_tried[i]));
    tried += swaps_tried[i];
    done += swaps_done[i];
  }
  result.swap_acceptance_rate = tried == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(tried);
  for (std::size_t r = 0; r < replicas; ++r) {
    result.replica_acceptance.push_back(
        proposed[r] == 0 ? 0.0 : static_cast<double>(accepted[r]) / static_cast<double>(proposed[r]));
  }
  book.finish(states.front(), energies.front());
}

}  // namespace detail

template <AnnealingProblem P, CoolingSchedule S>
AnnealResult<typename P::State> minimize_with_schedule(const P& problem, S schedule, const AnnealOptions& options,
                                                       RandomStream& rng,
                                                       const AnnealControl<typename P::State>& control) {
  validate(options);
  AnnealResult<typename P::State> result;
  if (options.replica_exchange.replicas >= 2) {
    detail::run_replica_exchange(problem, options, rng, control, result);
  } else {
    detail::run_annealing(problem, std::move(schedule), options, rng, control, result);
  }
  return result;
}

template <AnnealingProblem P>
AnnealResult<typename P::State> minimize(const P& problem, const AnnealOptions& options, RandomStream& rng,
                                         const AnnealControl<typename P::State>& control) {
  return minimize_with_schedule(problem, options.schedule, options, rng, control);
}

}  // namespace nnsim::anneal
