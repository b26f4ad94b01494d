#pragma once
// The problem concept of the annealing engine: a configuration space, an energy H on it and a
// symmetric proposal. The engine knows nothing else about a problem; a problem knows nothing
// about schedules, restarts, replicas, files or ranks.

#include <concepts>

#include "core/rng.hpp"

namespace nnsim::anneal {

/// What the engine needs from a problem P (each clause is checked separately, so a compiler
/// error names the missing member):
///   typename P::State;   copyable configuration
///   typename P::Move;    small value type
///   double P::energy(const State&) const;                          full evaluation of H
///   State  P::random_state(nnsim::RandomStream&) const;
///   Move   P::propose(const State&, nnsim::RandomStream&) const;   symmetric: g(a->b) = g(b->a)
///   double P::delta(const State&, const Move&) const;              H(after) - H(before), state unchanged
///   void   P::apply(State&, const Move&) const;
/// The symmetry of `propose` is what makes min(1, exp(-Delta H / T)) (4.12) the correct
/// acceptance probability: detailed balance then holds for the Boltzmann distribution
/// exp(-H / T) / Z. A problem whose proposal is not symmetric must not satisfy this concept.
template <class P>
concept AnnealingProblem = std::copyable<typename P::State> && std::copyable<typename P::Move> &&
    requires(const P& problem, const typename P::State& state, typename P::State& mutable_state,
             const typename P::Move& move, RandomStream& rng) {
  { problem.energy(state) } -> std::convertible_to<double>;
  { problem.random_state(rng) } -> std::convertible_to<typename P::State>;
  { problem.propose(state, rng) } -> std::convertible_to<typename P::Move>;
  { problem.delta(state, move) } -> std::convertible_to<double>;
  {problem.apply(mutable_state, move)};
};

/// Optional: block heat-bath (Gibbs) moves. A problem may mark some proposed moves as heat-bath
/// moves; for those the engine does not evaluate delta / accept / apply but calls
///   Outcome P::resample(State&, const Move&, double temperature, RandomStream&) const
/// which must draw the new state from the Boltzmann distribution exp(-H / T) restricted to the
/// move's neighbourhood (a set of states that the same move, proposed from any member, would
/// also cover), apply it and return {delta, changed}. Such an update leaves exp(-H / T)
/// invariant (a Metropolis-Hastings step with acceptance 1). The engine counts it as one step,
/// accepted when the state changed.
template <class P>
concept HeatBathProblem = AnnealingProblem<P> &&
    requires(const P& problem, const typename P::Move& move, typename P::State& mutable_state, double temperature,
             RandomStream& rng) {
  { problem.heat_bath(move) } -> std::convertible_to<bool>;
  { problem.resample(mutable_state, move, temperature, rng).delta } -> std::convertible_to<double>;
  { problem.resample(mutable_state, move, temperature, rng).changed } -> std::convertible_to<bool>;
};

}  // namespace nnsim::anneal
